/**
 * A closed-loop client in virtual time, as `vllm bench serve --max-concurrency C --request-rate inf` drives an
 * engine: C requests start at once, and each one that finishes is replaced at that instant until `prompts` have
 * been sent. Reports what that tool reports: output tokens per second over the run, and the medians of TTFT and of
 * each request's TPOT ((e2e − TTFT) / (output − 1)).
 *
 * Prompts are distinct, like its random dataset. Output lengths are `outputTokens` each, or with `outputMin` drawn
 * uniformly from [outputMin, outputTokens] (seeded), for a source whose requests stopped at end-of-sequence before
 * the cap. With `runs` > 1 the same prompts are sent again on the same engine, as a benchmark repeated with one
 * seed against one server does: later runs hit the prefix cache. Figures are then the mean over the runs.
 */
import { seededRandom } from '../util/random.ts';
import { blockHashes } from './block-hash.ts';
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import { Sequence } from './sequence.ts';

export interface ClosedLoopWorkload {
  concurrency: number;
  prompts: number;
  inputTokens: number;
  outputTokens: number;
  outputMin?: number;
  runs?: number;
  seed?: number;
}

export interface ClosedLoopResult {
  outputTokPerS: number;
  ttftP50Ms: number;
  tpotP50Ms: number;
  preemptions: number;
}

export function runClosedLoop(config: SchedulerConfig, w: ClosedLoopWorkload): ClosedLoopResult {
  const s = new Scheduler(config);
  const runs = w.runs ?? 1;
  const random = seededRandom(w.seed ?? 1);
  const min = w.outputMin ?? w.outputTokens;
  const lengths = Array.from({ length: w.prompts }, () => min + Math.floor(random() * (w.outputTokens - min + 1)));
  // Only a repeated run can hit the prefix cache, so only then do prompts need their block hashes.
  const hashes = (k: number): number[] =>
    runs === 1
      ? []
      : blockHashes(
          Array.from({ length: w.inputTokens }, (_, i) => k * 1_000_000 + i),
          config.blockSize,
        );
  const prompts = lengths.map((_, k) => hashes(k));
  const sum = { outputTokPerS: 0, ttftP50Ms: 0, tpotP50Ms: 0 };
  let t = 0;
  for (let run = 0; run < runs; run++) {
    const r = runOnce(s, t, w, lengths, prompts);
    sum.outputTokPerS += r.outputTokPerS / runs;
    sum.ttftP50Ms += r.ttftP50Ms / runs;
    sum.tpotP50Ms += r.tpotP50Ms / runs;
    t = r.end;
  }
  return { ...sum, preemptions: s.totals.preemptions };
}

function runOnce(
  s: Scheduler,
  start: number,
  w: ClosedLoopWorkload,
  lengths: readonly number[],
  prompts: readonly number[][],
): { outputTokPerS: number; ttftP50Ms: number; tpotP50Ms: number; end: number } {
  const sent: Sequence[] = [];
  const send = (at: number) => {
    const k = sent.length;
    const seq = new Sequence({
      id: k + 1,
      promptTokens: w.inputTokens,
      blockHashes: prompts[k],
      maxOutput: lengths[k],
      finishReason: 'length',
      arrival: at,
    });
    sent.push(seq);
    s.add(seq);
  };
  for (let i = 0; i < Math.min(w.concurrency, w.prompts); i++) send(start);
  let t = start;
  for (let plan = s.planStep(t); plan !== null; plan = s.planStep(t)) {
    const out = s.completeStep(plan);
    t = plan.end;
    for (let i = 0; i < out.finished && sent.length < w.prompts; i++) send(t);
  }
  const output = lengths.reduce((a, b) => a + b, 0);
  const tpot = sent.filter((q) => q.maxOutput > 1).map((q) => (q.finishedAt - q.firstToken) / (q.maxOutput - 1));
  return {
    outputTokPerS: (output * 1000) / (t - start),
    ttftP50Ms: median(sent.map((q) => q.firstToken - q.arrival)),
    tpotP50Ms: median(tpot),
    end: t,
  };
}

/** The median as numpy computes it (the mean of the two middle values for an even count), as vLLM's tool does. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
