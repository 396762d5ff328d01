/**
 * Runs the scheduler against an open-loop Poisson workload in virtual time: no timers, no HTTP, a simulated
 * minute in milliseconds. Used by the capacity tool (docs/SIMULATOR.md) and by tests of queueing behaviour.
 */
import { seededRandom } from '../util/random.ts';
import { blockHashes } from './block-hash.ts';
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import type { StepPlan } from './scheduler-output.ts';
import { Sequence } from './sequence.ts';

export interface VirtualWorkload {
  /** Requests per simulated second. */
  rate: number;
  /** Arrivals stop after this many simulated ms; the run then drains (or stops at drainLimitMs). */
  durationMs: number;
  promptTokens: number;
  outputTokens: number;
  /** Leading prompt tokens shared by every request (a system prompt). */
  sharedPrefixTokens?: number;
  seed?: number;
  /** Stop draining after this long (default: 10 × durationMs). */
  drainLimitMs?: number;
}

export interface VirtualResult {
  /** Per request in arrival order: TTFT in ms, or NaN if it never got a first token. */
  ttftMs: number[];
  /** Per request in arrival order: when it finished, or NaN. */
  finishedAt: number[];
  arrivals: number[];
  /** Waiting-queue length sampled at each step start. */
  waiting: { t: number; n: number }[];
  completed: number;
  generatedTokens: number;
  endMs: number;
  scheduler: Scheduler;
}

export function runVirtual(config: SchedulerConfig, w: VirtualWorkload): VirtualResult {
  const random = seededRandom(w.seed ?? 1);
  const s = new Scheduler(config);
  const shared = Array.from({ length: w.sharedPrefixTokens ?? 0 }, (_, i) => 1_000_000 + i);
  const seqs: Sequence[] = [];
  for (
    let t = -Math.log(1 - random()) * (1000 / w.rate);
    t < w.durationMs;
    t += -Math.log(1 - random()) * (1000 / w.rate)
  ) {
    const id = seqs.length + 1;
    const tokens = shared.concat(Array.from({ length: w.promptTokens - shared.length }, (_, i) => id * 100_000 + i));
    seqs.push(
      new Sequence({
        id,
        promptTokens: tokens.length,
        blockHashes: blockHashes(tokens, config.blockSize),
        maxOutput: w.outputTokens,
        finishReason: 'length',
        arrival: t,
      }),
    );
  }
  const waiting: VirtualResult['waiting'] = [];
  const run = runSteps(
    s,
    seqs,
    w.drainLimitMs ?? w.durationMs * 10,
    (t) => void waiting.push({ t, n: s.waitingCount }),
  );
  return {
    ttftMs: seqs.map((q) => (q.firstToken >= 0 ? q.firstToken - q.arrival : NaN)),
    finishedAt: seqs.map((q) => (q.state === 'finished' ? q.finishedAt : NaN)),
    arrivals: seqs.map((q) => q.arrival),
    waiting,
    completed: seqs.filter((q) => q.state === 'finished').length,
    generatedTokens: run.generatedTokens,
    endMs: run.endMs,
    scheduler: s,
  };
}

/**
 * Steps `s` through `seqs` (sorted by arrival) in virtual time until every request is done or `limitMs` passes:
 * arrivals are added as the clock reaches them, an idle scheduler jumps to the next arrival. `beforeStep` sees
 * each planned step before it completes. Returns the output tokens generated and the virtual time it stopped at.
 */
export function runSteps(
  s: Scheduler,
  seqs: readonly Sequence[],
  limitMs: number,
  beforeStep?: (t: number, plan: StepPlan) => void,
): { generatedTokens: number; endMs: number } {
  let next = 0;
  let t = 0;
  let generated = 0;
  while (t < limitMs) {
    while (next < seqs.length && seqs[next].arrival <= t) s.add(seqs[next++]);
    const plan = s.planStep(t);
    if (plan === null || plan.seqs.length === 0) {
      if (next >= seqs.length) break;
      t = Math.max(t, seqs[next].arrival);
      continue;
    }
    beforeStep?.(t, plan);
    generated += s.completeStep(plan).generationTokens;
    t = plan.end;
  }
  return { generatedTokens: generated, endMs: t };
}
