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

/** Every sample its own window, so a test's samples reach the algorithm one by one; overridden by `o`. */
export function perSampleParams(o: Partial<LimitParams> = {}): LimitParams {
  return {
    initial: 10,
    min: 1,
    max: 100,
    tolerance: 1.5,
    smoothing: 0.2,
    queueSize: 4,
    longWindow: 600,
    probeMultiplier: 30,
    probeInterval: 0,
    windowSamples: 1,
    windowMinMs: 0,
    quantile: 0.99,
    ...o,
  };
}

/** A sample with no latency, no report and no SLOs, overridden by `o`. */
export function sampleOf(o: Partial<LimitSample> = {}): LimitSample {
  return { ...blankSample(), rtt: NaN, ...o };
}
