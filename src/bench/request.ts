/**
 * One request's life as the generator sees it: an undici dispatch handler that timestamps headers, the first
 * token and every later chunk, classifies the ending, and writes it into the Recorder slot it was given.
 * One small object per request (undici needs a handler object); everything it learns lands in typed arrays.
 */
import type { Dispatcher } from 'undici';
import type { Recorder } from './recorder.ts';
import { completionTokens, SseTokenScanner } from './sse.ts';

/** Statuses the gateway uses to reject on purpose (overload 503, quota 429); anything else non-2xx is an error. */
export function isRejection(status: number): boolean {
  return status === 429 || status === 503;
}

/** Told exactly once per request, after its slot is final. */
export interface RequestListener {
  finished(index: number, handler: RequestHandler): void;
}

const MAX_BODY = 1 << 20;

export class RequestHandler implements Dispatcher.DispatchHandler {
  private readonly rec: Recorder;
  get recorder(): Recorder {
    return this.rec;
  }
  private readonly index: number;
  private readonly t0: number;
  private readonly listener: RequestListener;
  /** The closed-loop user that sent this request, -1 in open loop. */
  user = -1;
  private status = 0;
  private scanner: SseTokenScanner | undefined;
  private body: string[] | undefined;
  private bodyBytes = 0;
  private chunks = 0;
  private tFirst = 0;
  private tLast = 0;
  private ended = false;

  constructor(rec: Recorder, index: number, t0: number, listener: RequestListener) {
    this.rec = rec;
    this.index = index;
    this.t0 = t0;
    this.listener = listener;
  }

  onRequestStart(): void {}

  onResponseStart(
    _c: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (status < 200) return; // 1xx informational
    this.status = status;
    this.rec.status[this.index] = status;
    if (status < 300) {
      const type = headers['content-type'];
      if (typeof type === 'string' && type.includes('event-stream')) this.scanner = new SseTokenScanner();
      else this.body = [];
      return;
    }
    this.body = [];
    if (isRejection(status)) this.rec.retryAfter[this.index] = retryAfterMs(headers);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    const scanner = this.scanner;
    if (scanner !== undefined) {
      const n = scanner.push(chunk);
      if (n === 0) return;
      const now = performance.now();
      if (this.chunks === 0) {
        this.tFirst = now;
        this.rec.ttft[this.index] = now - this.t0;
      } else this.rec.addGap(now - this.tLast);
      // Several events in one network chunk reach the client together: their gaps are really zero.
      for (let k = 1; k < n; k++) this.rec.addGap(0);
      this.chunks += n;
      this.tLast = now;
    } else if (this.body !== undefined && this.bodyBytes < MAX_BODY) {
      this.body.push(chunk.toString('latin1'));
      this.bodyBytes += chunk.length;
    }
  }

  onResponseEnd(): void {
    if (this.ended) return;
    this.ended = true;
    const rec = this.rec;
    const i = this.index;
    const now = performance.now();
    rec.e2e[i] = now - this.t0;
    const status = this.status;
    if (status >= 200 && status < 300) {
      const scanner = this.scanner;
      if (scanner !== undefined) {
        const tokens = scanner.usageTokens >= 0 ? scanner.usageTokens : this.chunks;
        rec.tokens[i] = tokens;
        if (tokens > 1 && this.chunks > 1) rec.tpot[i] = (this.tLast - this.tFirst) / (tokens - 1);
        if (scanner.errorPayload !== undefined) rec.setError(i, 'stream_error', scanner.errorPayload);
        else if (this.chunks === 0 || !scanner.done) rec.setError(i, 'incomplete_stream');
      } else {
        // Not streamed: the first token reaches the client with the whole body.
        rec.ttft[i] = now - this.t0;
        const n = completionTokens(this.body!.join(''));
        rec.tokens[i] = n >= 0 ? n : 0;
      }
    } else if (!isRejection(status)) {
      rec.setError(i, `http_${status}`, this.body?.join(''));
    }
    this.listener.finished(i, this);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.rec.e2e[this.index] = performance.now() - this.t0;
    this.rec.setError(this.index, errorKind(err), err.message);
    this.listener.finished(this.index, this);
  }
}

export function errorKind(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'connection_reset';
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_ABORTED':
      return 'unfinished';
    default:
      return err.code ?? err.name ?? 'error';
  }
}

/** `retry-after-ms` when present (Spillway, OpenAI), else `retry-after` in seconds; NaN when neither parses. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>): number {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && ms !== '') {
    const v = Number(ms);
    if (Number.isFinite(v)) return v;
  }
  const s = headers['retry-after'];
  if (typeof s === 'string' && s !== '') {
    const v = Number(s);
    if (Number.isFinite(v)) return v * 1000;
    const date = Date.parse(s);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return NaN;
}
