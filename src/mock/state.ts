/** The mock's options, its live counters, and the per-mock state its request handlers share. */
import { EventEmitter } from 'node:events';
import { type Random, seededRandom } from '../util/random.ts';
import { MockResponses, mockError } from './responses.ts';

export interface MockOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Delay before the first response byte, ms. Default 0. */
  latencyMs?: number;
  /** Content chunks per streamed response (= completion tokens). Default 16. */
  chunks?: number;
  /** Delay between streamed content chunks, ms. Default 0: the whole stream in one write. */
  chunkIntervalMs?: number;
  /** Probability in [0, 1] that an inference request fails. Default 0. */
  failRate?: number;
  /** Status of injected failures. Default 500. */
  failStatus?: number;
  /** Seed of the failure draws. Default 1. */
  seed?: number;
  /** Names listed by /v1/models; the first is used when a request names none. Default ['mock']. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

/**
 * A fault switched on and off at run time (MockHandle.setFault) for chaos runs; it applies to inference
 * requests arriving while it is set:
 *   stall   no byte for `ms`, then the connection is destroyed (the client sees a reset unless it gave up first);
 *   reset   the connection is destroyed as soon as the body has arrived, before any response byte;
 *   status  answered with `status` and an OpenAI-shaped error, with `Retry-After: retryAfterS` when given.
 */
export type MockFault =
  | { kind: 'stall'; ms: number }
  | { kind: 'reset' }
  | { kind: 'status'; status: number; retryAfterS?: number };

/** Counters, updated live. Every received request ends up served or aborted (or is in flight). */
export interface MockStats {
  received: number;
  /** Responses written completely, injected failures and 4xx included. */
  served: number;
  /** Requests whose connection closed before their response was complete. */
  aborted: number;
  /**
   * Injected failures and run-time faults (a subset of served, unless aborted first; stalls and resets end aborted).
   */
  failed: number;
  inFlight: number;
}

export interface MockState {
  responses: MockResponses;
  stats: MockStats;
  events: EventEmitter;
  random: Random;
  latencyMs: number;
  chunkIntervalMs: number;
  failRate: number;
  failStatus: number;
  failBody: string;
  /** The run-time fault, if any, and its prepared error body (status faults). */
  fault: MockFault | undefined;
  faultBody: string;
  faultRetryAfter: string | undefined;
  defaultModel: string;
  authorization: string | undefined;
  seq: number;
  closing: boolean;
}

export function createState(o: MockOptions): MockState {
  const chunks = o.chunks ?? 16;
  const failRate = o.failRate ?? 0;
  const failStatus = o.failStatus ?? 500;
  const models = o.models?.length ? o.models : ['mock'];
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunks: expected an integer >= 1, got ${chunks}`);
  if (!(failRate >= 0 && failRate <= 1)) throw new RangeError(`failRate: expected a number in [0, 1], got ${failRate}`);
  if (!Number.isInteger(failStatus) || failStatus < 400 || failStatus > 599) {
    throw new RangeError(`failStatus: expected an HTTP error status (400-599), got ${failStatus}`);
  }
  for (const [name, v] of [
    ['latencyMs', o.latencyMs],
    ['chunkIntervalMs', o.chunkIntervalMs],
  ] as const) {
    if (v !== undefined && !(v >= 0)) throw new RangeError(`${name}: expected a number >= 0, got ${v}`);
  }
  return {
    responses: new MockResponses(chunks, models),
    stats: { received: 0, served: 0, aborted: 0, failed: 0, inFlight: 0 },
    events: new EventEmitter(),
    random: seededRandom(o.seed ?? 1),
    latencyMs: o.latencyMs ?? 0,
    chunkIntervalMs: o.chunkIntervalMs ?? 0,
    failRate,
    failStatus,
    failBody: mockError(
      'injected failure',
      failStatus === 429 ? 'rate_limit_error' : 'server_error',
      'mock_injected_failure',
    ),
    fault: undefined,
    faultBody: '',
    faultRetryAfter: undefined,
    defaultModel: JSON.stringify(models[0]),
    authorization: o.apiKey === undefined ? undefined : `Bearer ${o.apiKey}`,
    seq: 0,
    closing: false,
  };
}

/** Sets (or, with undefined, clears) the run-time fault; checked here so a bad fault fails where it is set. */
export function setFault(state: MockState, fault: MockFault | undefined): void {
  if (fault?.kind === 'status') {
    const { status, retryAfterS } = fault;
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new RangeError(`fault status: expected 400-599, got ${status}`);
    if (retryAfterS !== undefined && !(retryAfterS >= 0))
      throw new RangeError(`fault retryAfterS: expected >= 0, got ${retryAfterS}`);
    state.faultBody = mockError(
      'injected fault',
      status === 429 ? 'rate_limit_error' : 'server_error',
      'mock_injected_fault',
    );
    state.faultRetryAfter = retryAfterS === undefined ? undefined : String(retryAfterS);
  } else if (fault?.kind === 'stall' && !(fault.ms >= 0))
    throw new RangeError(`fault stall ms: expected >= 0, got ${fault.ms}`);
  state.fault = fault;
}
