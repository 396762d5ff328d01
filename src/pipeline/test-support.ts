/** Shared by the pipeline's in-process tests: a client response that records what the pipeline wrote. */
import { STANDARD } from '../admission/priority.ts';
import type { ClientResponse, HeaderValue } from '../outcome/client-response.ts';
import type { ModelGroup } from '../routing/group.ts';
import { RequestContext, type RequestHeaders } from './request-context.ts';

export class RecordingResponse implements ClientResponse {
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  statusCode = 200;
  readonly socket = null;
  readonly headers: Record<string, HeaderValue> = {};
  body = '';
  private readonly closeListeners: (() => void)[] = [];
  private onEnd: (() => void) | undefined;
  /** Resolves when the response ends or is destroyed. */
  readonly ended = new Promise<void>((resolve) => (this.onEnd = resolve));

  setHeader(name: string, value: HeaderValue): void {
    this.headers[name] = value;
  }

  writeHead(status: number, headers?: Record<string, HeaderValue | undefined>): void {
    this.statusCode = status;
    for (const k in headers) if (headers[k] !== undefined) this.headers[k] = headers[k];
    this.headersSent = true;
  }

  write(chunk: string | Uint8Array): boolean {
    this.headersSent = true;
    this.body += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }

  end(chunk?: string | Uint8Array): void {
    if (chunk !== undefined) this.write(chunk);
    this.headersSent = true;
    this.writableEnded = true;
    this.writableFinished = true;
    this.onEnd!();
  }

  destroy(): void {
    this.destroyed = true;
    this.writableEnded = true;
    this.onEnd!();
  }

  on(_event: 'close', listener: () => void): void {
    this.closeListeners.push(listener);
  }

  once(): void {}

  /** The client went away before the response finished. */
  close(): void {
    for (const l of this.closeListeners) l.call(this);
  }

  json(): { error: { message: string; code: string | null; param: string | null } } {
    return JSON.parse(this.body);
  }
}

export const PLAIN_HEADERS: RequestHeaders = {
  priority: STANDARD,
  ttftBudgetMs: undefined,
  statusEvents: false,
  fault: undefined,
};

export function chatContext(group: ModelGroup, headers: Partial<RequestHeaders> = {}, stream = false): RequestContext {
  const body = { model: group.name, stream, messages: [{ role: 'user', content: 'hi' }] };
  return new RequestContext({
    id: 'r1',
    arrivalMs: performance.now(),
    modelGroup: group,
    endpoint: 'chat',
    upstreamPath: '/chat/completions',
    body,
    raw: Buffer.from(JSON.stringify(body)),
    headers: { ...PLAIN_HEADERS, ...headers },
    prompt: undefined,
  });
}

/** What BackPressure.accounting() reads once every admission, queue place, engine slot and KV reservation ended. */
export const ACCOUNTING_AT_ZERO = {
  inFlight: 0,
  queued: 0,
  queuedTokens: 0,
  engineInFlight: 0,
  predictedKvTokens: 0,
  releaseErrors: 0,
} as const;
