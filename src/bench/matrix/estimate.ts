/**
 * A cheap guess at a drawn fleet before anything runs: the simulator's own scheduler in virtual time (no HTTP,
 * no timers; milliseconds of CPU), fed one engine's share of round-robin Poisson arrivals. It gives
 *  - the fleet's capacity in simulated requests/s under an SLA in simulated ms (bisection on the rate for ≥ 99 %
 *    of requests within TTFT and TPOT, the matrix's own criterion), the starting point of the real search and
 *    what the speedup is chosen from;
 *  - which resource binds first: the run at 1.25 × that capacity, where the SLA fails, says TTFT or ITL; when
 *    TTFT, what held the waiting queue back (slots full, the KV pool full, or neither: the prefill budget).
 * A guess and labelled as one: it ignores HTTP, the gateway, CPU contention and the multi-turn history that a
 * shared-prefix body resends (counted as uncached prompt).
 */

import { blockHashes } from '../../sim/block-hash.ts';
import { loadProfile } from '../../sim/perf-model.ts';
import { Scheduler } from '../../sim/scheduler.ts';
import { Sequence } from '../../sim/sequence.ts';
import { runSteps } from '../../sim/virtual-run.ts';
import { type Random, seededRandom } from '../../util/random.ts';

export interface RequestShape {
  promptTokens: number;
  outputTokens: number;
  /** Shared prefix id and its length in tokens (the rest of the prompt is unique). */
  prefix?: number;
  prefixTokens?: number;
}

export type Sampler = (random: Random) => RequestShape;

export interface SimEngine {
  numBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  profile: string;
}

export type Binding = 'KV' | 'slots (TTFT)' | 'prefill (TTFT)' | 'decode (ITL)';

export interface ShareRun {
  /** Of the judged requests (arrived after the first fifth of the run): within both, TTFT failed, TPOT failed. */
  attainment: number;
  ttftFailed: number;
  tpotFailed: number;
  /** Fractions of steps that left requests waiting, by what held them back. */
  slotsFull: number;
  kvFull: number;
  preemptions: number;
}

const BLOCK = 16;
/** Simulated seconds per run: ≥ several hundred requests per engine at the rates the matrix uses. */
const SIM_SECONDS = 60;

/** One engine's share (every n-th arrival of a fleet-wide Poisson stream at `fleetRate`), in simulated time. */
export function simulateShare(
  engine: SimEngine,
  sample: Sampler,
  fleetRate: number,
  engines: number,
  sla: { ttftMs: number; itlMs: number },
  seed = 1,
): ShareRun {
  const random = seededRandom(seed);
  const s = new Scheduler({
    numBlocks: engine.numBlocks,
    blockSize: BLOCK,
    maxNumSeqs: engine.maxNumSeqs,
    maxNumBatchedTokens: engine.maxNumBatchedTokens,
    perf: loadProfile(engine.profile),
  });
  const durationMs = SIM_SECONDS * 1000;
  const seqs: Sequence[] = [];
  const gap = () => {
    let g = 0;
    for (let k = 0; k < engines; k++) g += -Math.log(1 - random()) * (1000 / fleetRate);
    return g;
  };
  for (let t = gap(); t < durationMs; t += gap()) {
    const r = sample(random);
    const id = seqs.length + 1;
    const shared = r.prefix === undefined ? 0 : Math.min(r.prefixTokens ?? 0, r.promptTokens);
    const tokens = new Array<number>(r.promptTokens);
    for (let i = 0; i < shared; i++) tokens[i] = 1e9 + r.prefix! * 1e5 + i;
    for (let i = shared; i < r.promptTokens; i++) tokens[i] = id * 1e5 + i;
    seqs.push(
      new Sequence({
        id,
        promptTokens: r.promptTokens,
        blockHashes: blockHashes(tokens, BLOCK),
        maxOutput: r.outputTokens,
        finishReason: 'length',
        arrival: t,
      }),
    );
  }
  let steps = 0;
  let slotsFull = 0;
  let kvFull = 0;
  runSteps(s, seqs, durationMs * 3, (_t, plan) => {
    steps++;
    if (s.waitingCount > 0) {
      if (s.runningCount >= engine.maxNumSeqs) slotsFull++;
      // The next waiting request did not fit: most of the pool is held by running requests.
      else if (plan.preemptions > 0 || s.kv.freeBlocks < 0.1 * s.kv.numBlocks) kvFull++;
    }
  });
  let judged = 0;
  let good = 0;
  let ttftFailed = 0;
  let tpotFailed = 0;
  for (const q of seqs) {
    if (q.arrival < durationMs / 5) continue;
    judged++;
    const ttft = q.firstToken >= 0 ? q.firstToken - q.arrival : Infinity;
    const tpot =
      q.finishedAt >= 0 ? (q.maxOutput > 1 ? (q.finishedAt - q.firstToken) / (q.maxOutput - 1) : 0) : Infinity;
    const ttftOk = ttft <= sla.ttftMs;
    const tpotOk = tpot <= sla.itlMs;
    if (!ttftOk) ttftFailed++;
    if (!tpotOk) tpotFailed++;
    if (ttftOk && tpotOk) good++;
  }
  const n = Math.max(1, judged);
  return {
    attainment: good / n,
    ttftFailed: ttftFailed / n,
    tpotFailed: tpotFailed / n,
    slotsFull: slotsFull / Math.max(1, steps),
    kvFull: kvFull / Math.max(1, steps),
    preemptions: s.totals.preemptions,
  };
}

export interface Estimate {
  /** Fleet requests per simulated second at ≥ 99 % within the SLA (0 when even a trickle fails it). */
  capacity: number;
  binds: Binding;
}

/**
 * Capacity by bisection on the rate (doubling to bracket it, then 10 halvings of the bracket), then the binding guess.
 */
export function estimateFleet(
  engine: SimEngine,
  sample: Sampler,
  engines: number,
  sla: { ttftMs: number; itlMs: number },
): Estimate {
  const passes = (rate: number) => simulateShare(engine, sample, rate, engines, sla).attainment >= 0.99;
  let lo = 0;
  let hi = 0.5 * engines;
  while (passes(hi) && hi < 1e4) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 10; i++) {
    const mid = (lo + hi) / 2;
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return { capacity: lo, binds: binding(simulateShare(engine, sample, Math.max(lo, 0.05) * 1.25, engines, sla)) };
}

/** What failed first past capacity: ITL, else what kept the waiting queue from being admitted. */
export function binding(r: ShareRun): Binding {
  if (r.tpotFailed > r.ttftFailed) return 'decode (ITL)';
  if (r.preemptions > 0 || r.kvFull > r.slotsFull) return 'KV';
  if (r.slotsFull > 0) return 'slots (TTFT)';
  return 'prefill (TTFT)';
}
