/**
 * A closed-loop client in virtual time, as `vllm bench serve --max-concurrency C --request-rate inf` drives an
 * engine: C requests start at once, and each one whose last token reaches its client is replaced at that instant
 * until `prompts` have been sent. Reports what that tool reports: output tokens per second over the run, and the
 * medians of TTFT and of each request's TPOT ((e2e − TTFT) / (output − 1)), as the client sees them.
 *
 * Between the client and the scheduler sits the API server (./front-end.ts): a request reaches the scheduler when
 * the server has taken it in, and a step's tokens reach their clients when the server has streamed them. With a
 * zero-cost front end (the default) both happen at once and the engine alone sets every figure.
 *
 * Prompts are distinct, like its random dataset. Output lengths are `outputTokens` each, or with `outputMin` drawn
 * uniformly from [outputMin, outputTokens] (seeded), for a source whose requests stopped at end-of-sequence before
 * the cap. With `runs` > 1 the same prompts are sent again on the same engine, as a benchmark repeated with one
 * seed against one server does: later runs hit the prefix cache. Figures are then the mean over the runs.
 */
import { seededRandom } from '../util/random.ts';
import { blockHashes } from './block-hash.ts';
import { FrontEnd, type FrontEndCosts, type TurnEffect } from './front-end.ts';
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import { Sequence } from './sequence.ts';
import { VirtualEvents } from './virtual-events.ts';

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

export function runClosedLoop(
  config: SchedulerConfig,
  w: ClosedLoopWorkload,
  frontEnd?: FrontEndCosts,
): ClosedLoopResult {
  const s = new Scheduler(config);
  const runs = w.runs ?? 1;
  const random = seededRandom(w.seed ?? 1);
  const fe = new FrontEnd(frontEnd);
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
    const r = runOnce(s, fe, t, w, lengths, prompts);
    sum.outputTokPerS += r.outputTokPerS / runs;
    sum.ttftP50Ms += r.ttftP50Ms / runs;
    sum.tpotP50Ms += r.tpotP50Ms / runs;
    t = r.end;
  }
  return { ...sum, preemptions: s.totals.preemptions };
}

// Events at the same instant, in this order: a step ends (its output is offered to the front end), the front end
// runs a turn (chunks reach their clients, who send their next requests), requests reach the scheduler, the engine
// plans its next step.
const STEP_END = 0;
const TURN = 1;
const ENTER = 2;
const PLAN = 3;

/** One request as its client sees it: sent, first token seen, last token seen. */
interface ClientView {
  sent: number;
  first: number;
  last: number;
}

function runOnce(
  s: Scheduler,
  fe: FrontEnd,
  start: number,
  w: ClosedLoopWorkload,
  lengths: readonly number[],
  prompts: readonly number[][],
): { outputTokPerS: number; ttftP50Ms: number; tpotP50Ms: number; end: number } {
  const events = new VirtualEvents();
  const views: ClientView[] = [];
  const effects: TurnEffect[] = [];
  let engineIdle = true;
  let turnPending = false;
  let end = start;
  const wake = () => {
    const at = fe.nextTurnAt();
    if (at !== undefined && !turnPending) {
      turnPending = true;
      events.push(at, TURN, null);
    }
  };
  const send = (at: number) => {
    fe.offerRequest(views.length, at);
    views.push({ sent: at, first: -1, last: -1 });
  };
  for (let i = 0; i < Math.min(w.concurrency, w.prompts); i++) send(start);
  wake();
  for (let e = events.pop(); e !== undefined; e = events.pop()) {
    const { at, kind, payload } = e;
    if (kind === TURN) {
      turnPending = false;
      effects.length = 0;
      fe.turn(at, effects);
      for (const c of effects) {
        if (c.kind === 'enter') {
          events.push(c.at, ENTER, c.stream);
          continue;
        }
        if (c.first) views[c.stream].first = c.at;
        if (!c.last) continue;
        views[c.stream].last = c.at;
        end = c.at;
        if (views.length < w.prompts) send(c.at);
      }
      wake();
    } else if (kind === ENTER) {
      const k = payload as number;
      const seq = new Sequence({
        id: k + 1,
        promptTokens: w.inputTokens,
        blockHashes: prompts[k],
        maxOutput: lengths[k],
        finishReason: 'length',
        arrival: at,
      });
      s.add(seq);
      if (engineIdle) {
        engineIdle = false;
        events.push(at, PLAN, null);
      }
    } else if (kind === PLAN) {
      const plan = s.planStep(at);
      if (plan === null) engineIdle = true;
      else events.push(plan.end, STEP_END, plan);
    } else {
      const out = s.completeStep(payload as Parameters<typeof s.completeStep>[0]);
      // Which tokens are first or last, read now, before later steps move the requests on.
      const tokens = out.emitted.map((q) => ({
        stream: q.id - 1,
        first: q.numOutput === 1,
        last: q.state === 'finished',
      }));
      fe.offerOutput(tokens, at);
      wake();
      events.push(at, PLAN, null);
    }
  }
  const output = lengths.reduce((a, b) => a + b, 0);
  const tpot: number[] = [];
  for (let k = 0; k < views.length; k++) {
    if (lengths[k] > 1) tpot.push((views[k].last - views[k].first) / (lengths[k] - 1));
  }
  return {
    outputTokPerS: (output * 1000) / (end - start),
    ttftP50Ms: median(views.map((v) => v.first - v.sent)),
    tpotP50Ms: median(tpot),
    end,
  };
}

/** The median as numpy computes it (the mean of the two middle values for an even count), as vLLM's tool does. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
