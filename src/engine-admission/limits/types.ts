/** An adaptive concurrency limit (after Netflix concurrency-limits' `Limit`): computes, never enforces. */
export interface LimitSample {
  /** The latency signal, ms (the engine gate passes TTFT normalised for prompt length). */
  rtt: number;
  /** Requests in flight on the engine when the sample was taken (the window's maximum when windowed). */
  inFlight: number;
  /** The engine refused or timed out the request (a 503/429, a deadline). */
  dropped: boolean;
}

export interface ConcurrencyLimit {
  readonly name: string;
  /** The current limit; the enforcement admits while in_flight < floor(limit). */
  readonly limit: number;
  update(s: LimitSample): void;
}

export interface LimitParams {
  initial: number;
  min: number;
  max: number;
  /** gradient, gradient2: how far the current RTT may exceed the baseline before the limit shrinks (each
   *  algorithm's own default when undefined: 1 and 1.5). */
  tolerance: number | undefined;
  /** Share of each new estimate blended into the limit (both algorithms). */
  smoothing: number;
  /** gradient2: growth allowed per update while latency stays low; 'sqrt' = √limit. */
  queueSize: number | 'sqrt';
  /** gradient2: samples in the long RTT's exponential average. */
  longWindow: number;
  /** vegas: probe for a new no-load RTT every ~probe_multiplier × limit samples. */
  probeMultiplier: number;
  /** gradient: reset the no-load RTT every probe_interval..2·probe_interval updates (0: never). */
  probeInterval: number;
  /** Samples averaged into one update (Netflix's WindowedLimit), and the least time a window spans. */
  windowSamples: number;
  windowMinMs: number;
}
