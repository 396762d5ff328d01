/** Shared by the limit algorithms' tests: the config's default limit parameters, and a sample to fill in. */

import { blankSample } from './sample.ts';
import type { LimitParams, LimitSample } from './types.ts';

export const DEFAULT_PARAMS: LimitParams = {
  initial: 16,
  min: 4,
  max: 2048,
  tolerance: undefined,
  smoothing: 0.2,
  queueSize: 'sqrt',
  longWindow: 600,
  probeMultiplier: 30,
  probeInterval: 0,
  windowSamples: 10,
  windowMinMs: 100,
  quantile: 0.99,
};

/** A sample with no latency, no report and no SLOs, overridden by `o`. */
export function sampleOf(o: Partial<LimitSample> = {}): LimitSample {
  return { ...blankSample(), rtt: NaN, ...o };
}
