import type { LimitSample } from './types.ts';

/** A sample with no latency, no report and no SLOs: what a holder of one reused sample starts from. */
export function blankSample(): LimitSample {
  return {
    rtt: 0,
    inFlight: 0,
    dropped: false,
    ttftMs: NaN,
    promptTokens: 0,
    running: NaN,
    waiting: NaN,
    reportSeq: 0,
    waitedMs: 0,
    ttftSloMs: 0,
    itlSloMs: 0,
  };
}
