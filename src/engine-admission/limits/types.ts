/**
 * An adaptive concurrency limit (after Netflix concurrency-limits' `Limit`): computes, never enforces. The
 * engine gate keeps one sample object per engine and rewrites it for every event, so an algorithm reads a
 * sample during the call and never keeps it.
 */
export interface LimitSample {
  /** The latency signal, ms (the engine gate passes TTFT normalised for prompt length; 0 when none). */
  rtt: number;
  /** Requests in flight on the engine when the sample was taken (the window's maximum when windowed). */
  inFlight: number;
  /** The engine refused or timed out the request (a 503/429, a deadline). */
  dropped: boolean;
  /** TTFT as measured, ms (NaN for a sample without one). */
  ttftMs: number;
  promptTokens: number;
  /** The engine's own report (running, waiting requests) while it is fresh; NaN otherwise. */
  running: number;
  waiting: number;
  /** Which report `running` and `waiting` come from (the engine's report count), to tell reports apart. */
  reportSeq: number;
  /**
   * What of the request's TTFT budget went before its dispatch (the router queue, earlier attempts), ms; 0 for
   * a sample without a first token.
   */
  waitedMs: number;
  /** The group's SLOs (0: that check is off), as the SLO breaker judges them. */
  ttftSloMs: number;
  itlSloMs: number;
}

export interface ConcurrencyLimit {
  readonly name: string;
  /** The current limit; the enforcement admits while in_flight < floor(limit). */
  readonly limit: number;
  /** A first token (`rtt` > 0) or a drop. */
  update(s: LimitSample): void;
  /** Optional, for algorithms that steer by ITL: `tokens` output tokens arrived `gapMs` after the last. */
  tokens?(now: number, gapMs: number, tokens: number, s: LimitSample): void;
  /**
   * Optional: an attempt ended without a drop, `elapsedMs` after dispatch, with its mean time per output
   * token (NaN with fewer than two tokens). `s.ttftMs` is NaN when it produced no first token on a stream
   * (a non-streamed response: then its whole latency is the only signal).
   */
  completed?(now: number, elapsedMs: number, tpotMs: number, s: LimitSample): void;
}

export type { LimitParams } from '../../config/limit-params.ts';
