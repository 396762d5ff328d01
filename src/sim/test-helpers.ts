// Builders shared by the simulator's unit tests.
import { blockHashes } from './block-hash.ts';
import { type PerfModel, polynomialModel } from './perf-model.ts';
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import { Sequence } from './sequence.ts';

/** 10 ms per step with prefill, +1 ms per prefill token / 100; decode 5 ms: easy to check by hand. */
export const simplePerf: PerfModel = polynomialModel({
  name: 'test',
  prefill_ms: { polynomial: [10, 0.01] },
  decode_ms: { polynomial: [5], min: 1 },
});

export function scheduler(overrides: Partial<SchedulerConfig> = {}): Scheduler {
  return new Scheduler({
    numBlocks: 64,
    blockSize: 4,
    maxNumSeqs: 8,
    maxNumBatchedTokens: 64,
    perf: simplePerf,
    ...overrides,
  });
}

let nextId = 1;

/** A request whose prompt is `tokens` (or `n` distinct tokens starting at `base`). */
export function seq(opts: {
  tokens?: number[];
  n?: number;
  base?: number;
  output: number;
  arrival?: number;
  blockSize?: number;
}): Sequence {
  const tokens = opts.tokens ?? Array.from({ length: opts.n ?? 8 }, (_, i) => (opts.base ?? 1000 * nextId) + i);
  return new Sequence({
    id: nextId++,
    promptTokens: tokens.length,
    blockHashes: blockHashes(tokens, opts.blockSize ?? 4),
    maxOutput: opts.output,
    finishReason: 'length',
    arrival: opts.arrival ?? 0,
  });
}

/** Runs steps back to back from `t` until idle; returns the end time and the plans. */
export function runToIdle(s: Scheduler, t = 0, maxSteps = 100_000) {
  const plans = [];
  for (let i = 0; i < maxSteps; i++) {
    const plan = s.planStep(t);
    if (plan === null) return { t, plans };
    s.completeStep(plan);
    plans.push(plan);
    t = plan.end;
  }
  throw new Error('did not go idle');
}
