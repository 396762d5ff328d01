/**
 * A closed-loop client in virtual time, as `vllm bench serve --max-concurrency C --request-rate inf` drives an
 * engine: C requests start at once, and each one that finishes is replaced at that instant until `prompts` have
 * been sent. Prompts are distinct (no prefix hits), like its random dataset. Reports what that tool reports:
 * output tokens per second over the run, and the medians of TTFT and of each request's TPOT
 * ((e2e − TTFT) / (output − 1)).
 */
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import { Sequence } from './sequence.ts';

export interface ClosedLoopWorkload {
  concurrency: number;
  prompts: number;
  inputTokens: number;
  outputTokens: number;
}

export interface ClosedLoopResult {
  outputTokPerS: number;
  ttftP50Ms: number;
  tpotP50Ms: number;
  durationMs: number;
  preemptions: number;
}

export function runClosedLoop(config: SchedulerConfig, w: ClosedLoopWorkload): ClosedLoopResult {
  const s = new Scheduler(config);
  const sent: Sequence[] = [];
  // No prompt block is ever shared, so the prefix index needs no hashes.
  const send = (at: number) => {
    const seq = new Sequence({
      id: sent.length + 1,
      promptTokens: w.inputTokens,
      blockHashes: [],
      maxOutput: w.outputTokens,
      finishReason: 'length',
      arrival: at,
    });
    sent.push(seq);
    s.add(seq);
  };
  for (let i = 0; i < Math.min(w.concurrency, w.prompts); i++) send(0);
  let t = 0;
  for (let plan = s.planStep(t); plan !== null; plan = s.planStep(t)) {
    const out = s.completeStep(plan);
    t = plan.end;
    for (let i = 0; i < out.finished && sent.length < w.prompts; i++) send(t);
  }
  const ttft = sent.map((q) => q.firstToken - q.arrival);
  const tpot = sent.map((q) => (w.outputTokens > 1 ? (q.finishedAt - q.firstToken) / (w.outputTokens - 1) : 0));
  return {
    outputTokPerS: (sent.length * w.outputTokens * 1000) / t,
    ttftP50Ms: median(ttft),
    tpotP50Ms: median(tpot),
    durationMs: t,
    preemptions: s.totals.preemptions,
  };
}

/** The median as numpy computes it (the mean of the two middle values for an even count), as vLLM's tool does. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
