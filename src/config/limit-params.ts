/**
 * The engine concurrency limit's settings (`backpressure.engine.limit`), kept with the configuration so the
 * configuration depends on nothing above it; the algorithms (src/engine-admission/limits) read them.
 */

/** The names `backpressure.engine.limit.algorithm` takes; a test keeps them in step with the registry. */
export const LIMIT_ALGORITHMS: readonly string[] = ['gradient', 'gradient2', 'vegas', 'fixed', 'slo', 'gradient-slo'];

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
  /** slo: the share of requests whose own TTFT and TPOT the limit keeps within the SLOs. */
  quantile: number;
}
