/**
 * Measures each profile's capacity in virtual time (no HTTP, no timers; deterministic), for docs/SIMULATOR.md:
 *  - idle TTFT: TTFT of one request on an idle engine;
 *  - ceiling: requests/s (and output tokens/s) completed in steady state when arrivals exceed what it serves;
 *  - knee: the highest request rate whose median TTFT stays within 2x the idle TTFT (found by bisection);
 *  - median TTFT at 50%, 80% and 95% of the ceiling rate.
 *
 *   node src/sim/capacity.ts [--seconds 120] [--profiles default,half-speed]
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from './options.ts';
import { bundledProfiles, loadProfile } from './perf-model.ts';
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import { Sequence } from './sequence.ts';
import { runVirtual } from './virtual-run.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '120' }, profiles: { type: 'string' } },
});
const durationMs = Number(values.seconds) * 1000;
const profiles = values.profiles?.split(',') ?? bundledProfiles();
const workloads = [
  { promptTokens: 512, outputTokens: 128 },
  { promptTokens: 2048, outputTokens: 256 },
];

function medianTtft(ttft: number[], arrivals: number[], from: number): number {
  const xs = ttft.map((x, i) => (arrivals[i] >= from && !Number.isNaN(x) ? x : NaN)).filter((x) => !Number.isNaN(x));
  xs.sort((a, b) => a - b);
  return xs.length === 0 ? Infinity : xs[Math.floor(xs.length / 2)];
}

console.log(
  `Engine: ${DEFAULTS.numBlocks} blocks x ${DEFAULTS.blockSize}, max_num_seqs ${DEFAULTS.maxNumSeqs}, ` +
    `max_num_batched_tokens ${DEFAULTS.maxNumBatchedTokens}; ` +
    `Poisson arrivals, ${values.seconds} simulated s per point.\n`,
);
console.log(
  '| profile | prompt/output | idle TTFT | ceiling | knee (TTFT 2x idle) | TTFT at 50% / 80% / 95% of ceiling |',
);
console.log('|---|---|---|---|---|---|');
for (const name of profiles) {
  const config = {
    numBlocks: DEFAULTS.numBlocks,
    blockSize: DEFAULTS.blockSize,
    maxNumSeqs: DEFAULTS.maxNumSeqs,
    maxNumBatchedTokens: DEFAULTS.maxNumBatchedTokens,
    perf: loadProfile(name),
  };
  for (const w of workloads) {
    // Judge the second half of the run, once the queue has had time to build.
    const ttftAt = (rate: number) => {
      const r = runVirtual(config, { ...w, rate, durationMs, seed: 1, drainLimitMs: durationMs * 1.5 });
      return medianTtft(r.ttftMs, r.arrivals, durationMs / 2);
    };
    const idle = idleTtft(config, w);
    // Saturated: completions per second over the second half of an overloaded run.
    const sat = runVirtual(config, { ...w, rate: 50, durationMs, seed: 1, drainLimitMs: durationMs });
    const inWindow = sat.finishedAt.filter((t) => t >= durationMs / 2 && t < durationMs).length;
    const ceiling = inWindow / (durationMs / 2000);
    let lo = 0.1;
    let hi = ceiling;
    for (let i = 0; i < 12; i++) {
      const mid = (lo + hi) / 2;
      if (ttftAt(mid) <= 2 * idle) lo = mid;
      else hi = mid;
    }
    const at = [0.5, 0.8, 0.95].map((f) => ms(ttftAt(f * ceiling))).join(' / ');
    console.log(
      `| ${name} | ${w.promptTokens}/${w.outputTokens} | ${ms(idle)} | ${ceiling.toFixed(1)} req/s, ` +
        `${Math.round(ceiling * w.outputTokens)} out tok/s | ` +
        `${lo.toFixed(1)} req/s, ${Math.round(lo * w.outputTokens)} out tok/s | ${at} |`,
    );
  }
}

function ms(x: number): string {
  return x >= 10_000 ? `${(x / 1000).toFixed(0)} s` : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`;
}

function idleTtft(config: SchedulerConfig, w: { promptTokens: number }): number {
  const s = new Scheduler(config);
  const seq = new Sequence({
    id: 1,
    promptTokens: w.promptTokens,
    blockHashes: [],
    maxOutput: 2,
    finishReason: 'length',
    arrival: 0,
  });
  s.add(seq);
  for (let t = 0; seq.firstToken < 0; ) {
    const plan = s.planStep(t)!;
    s.completeStep(plan);
    t = plan.end;
  }
  return seq.firstToken;
}
