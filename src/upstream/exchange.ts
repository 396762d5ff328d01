import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { retryAfterMs } from '../relay/response-headers.ts';
import { isEventStream } from '../relay/stream-end.ts';
import type { Deployment } from '../routing/deployment.ts';
import { judgedStatus } from './client-error.ts';

/** How an exchange ended. `retryable` ones happened before anything reached the client. */
export type ExchangeEnd =
  | 'complete' // the upstream's response was relayed in full
  | 'retryable_status' // 5xx or 429: body read and kept for the error message
  | 'judged_status' // a 4xx held (judgeClientErrors) for a fallback to judge: body kept, nothing relayed yet
  | 'network_error' // refused, reset or failed before anything was relayed
  | 'empty_stream' // a 2xx event stream that ended before its first byte: no answer, and nothing relayed
  | 'timeout' // first-byte or total deadline, before anything was relayed
  | 'broken' // failed or timed out after the response had started reaching the client
  | 'client_closed'; // aborted by the gateway: the client went away, or the request ended on an internal error

/** The stage after the upstream: decides what the client sees. Implemented by the pipeline. */
export interface ExchangeListener {
  /**
   * A status the client should see (2xx, or a 4xx other than 429), called with the first body chunk (or at the
   * end of an empty body): holding the head until then keeps a stalled stream retryable.
   */
  onUpstreamHead(x: Exchange, status: number, headers: IncomingHttpHeaders): void;
  /** A body chunk of a relayed response; return false to pause the upstream until `x.resume()`. */
  onUpstreamData(x: Exchange, chunk: Buffer): boolean;
  /** Called exactly once per exchange, whatever happened. */
  onExchangeEnd(x: Exchange, end: ExchangeEnd): void;
}

const maxErrorBody = 4096;
/** A held 4xx is relayed whole if no fallback takes it; error bodies are small, this only bounds a rogue one. */
const maxHeldBody = 1024 * 1024;

class DeadlineError extends Error {
  override name = 'DeadlineError';
}
class AbortedError extends Error {
  override name = 'AbortedError';
}

function onDeadline(x: Exchange): void {
  x.timer = undefined;
  x.controller?.abort(new DeadlineError('upstream deadline exceeded'));
}

/**
 * One attempt of one request against one deployment, as an undici dispatch handler. It owns the attempt's
 * deadlines and classifies how it ended; it never writes to the client itself.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly deployment: Deployment;
  readonly listener: ExchangeListener;
  /** Opaque to the upstream stage: the pipeline's per-request state. */
  readonly owner: unknown;
  controller: Dispatcher.DispatchController | undefined;
  timer: NodeJS.Timeout | undefined;
  status = 0;
  /** The status is one the client should see. */
  accepted = false;
  /** The head has gone to the client: from here on a failure cannot be retried. */
  relaying = false;
  private headers: IncomingHttpHeaders | undefined;
  retryAfterMs: number | undefined;
  errorBody = '';
  errorMessage = '';
  /** Hold a 400/413/422 (../upstream/client-error.ts) until the pipeline judges it: the group has fallbacks. */
  judgeClientErrors = false;
  /** A held 4xx: its head and body, relayed as they came when no fallback takes the request. */
  heldHeaders: IncomingHttpHeaders | undefined;
  held: Buffer[] | undefined;
  private heldBytes = 0;
  /** When the request went to undici (set again by start: what came before it is the gateway's own time). */
  dispatchMs: number;
  headMs = 0;
  firstChunkMs = 0;
  private readonly totalDeadlineMs: number;
  private aborted = false;
  /** Handed to undici, which will end it (onRequestStart, or onResponseError if the pool goes first). */
  private dispatched = false;
  private ended = false;

  constructor(deployment: Deployment, listener: ExchangeListener, owner: unknown, nowMs: number) {
    this.deployment = deployment;
    this.listener = listener;
    this.owner = owner;
    this.dispatchMs = nowMs;
    const c = deployment.config;
    this.totalDeadlineMs = nowMs + c.timeoutMs;
    this.timer = setTimeout(onDeadline, Math.min(c.firstByteTimeoutMs, c.timeoutMs), this);
  }

  /** Sends the attempt's request through `pool`; undici calls this exchange's handlers from here on. */
  start(pool: Dispatcher, options: Dispatcher.DispatchOptions, nowMs: number): void {
    this.dispatchMs = nowMs;
    this.dispatched = true;
    pool.dispatch(options, this);
  }

  /**
   * The client went away, or the request ended on an internal error: abort the upstream request at once. The
   * exchange ends `client_closed`, now if undici never had it, else when undici reports the abort.
   */
  abort(): void {
    this.aborted = true;
    if (this.controller !== undefined) this.controller.abort(new AbortedError('aborted by the gateway'));
    else if (!this.dispatched) this.end('client_closed');
  }

  resume(): void {
    this.controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.aborted) controller.abort(new AbortedError('aborted by the gateway'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headMs = performance.now();
    if (status === 429 || status >= 500) {
      this.retryAfterMs = retryAfterMs(headers, Date.now(), this.deployment.cooldown.retryAfterCapMs);
      return;
    }
    if (this.judgeClientErrors && judgedStatus(status)) {
      this.heldHeaders = headers;
      this.held = [];
      return;
    }
    this.accepted = true;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.accepted) {
      if (this.errorBody.length < maxErrorBody) this.errorBody += chunk.toString('utf8', 0, maxErrorBody);
      if (this.held !== undefined && this.heldBytes < maxHeldBody) {
        this.held.push(chunk);
        this.heldBytes += chunk.length;
      }
      return;
    }
    if (!this.relaying) this.startRelay();
    if (!this.listener.onUpstreamData(this, chunk)) controller.pause();
  }

  onResponseEnd(): void {
    if (!this.accepted) return this.end(this.held === undefined ? 'retryable_status' : 'judged_status');
    // An event stream without a single event is no answer; as nothing has reached the client, it can be retried.
    if (!this.relaying && isEventStream(this.headers!['content-type'])) return this.end('empty_stream');
    if (!this.relaying) this.startRelay();
    this.end('complete');
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.errorMessage = err.message;
    if (this.aborted) this.end('client_closed');
    else if (this.relaying) this.end('broken');
    else this.end(err instanceof DeadlineError ? 'timeout' : 'network_error');
  }

  private startRelay(): void {
    this.relaying = true;
    this.firstChunkMs = performance.now();
    this.listener.onUpstreamHead(this, this.status, this.headers!);
    this.headers = undefined;
    // The first-byte deadline is met; only the total deadline remains (when it is a different one).
    const c = this.deployment.config;
    if (c.firstByteTimeoutMs < c.timeoutMs) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(onDeadline, Math.max(0, this.totalDeadlineMs - this.firstChunkMs), this);
    }
  }

  private end(how: ExchangeEnd): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.listener.onExchangeEnd(this, how);
  }
}
