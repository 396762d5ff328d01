/**
 * The API server in front of the engine's scheduler, as one event loop that works in turns. vLLM's OpenAI server is
 * one Python asyncio process that parses and tokenises requests, detokenises every output token and writes the SSE
 * chunks, while the engine core steps in another process. asyncio runs, in each turn, the callbacks that were ready
 * when the turn began; what becomes ready during a turn waits for the next one. So, per turn:
 *  - each new request that arrived before the turn is taken in, `request_ms` (HTTP, validation, chat template,
 *    tokenising); it reaches the scheduler when that work is done;
 *  - each step output that arrived before the turn is detokenised, `output_token_ms` per token, and every stream
 *    that got a token is handed to its writer, which runs in the next turn;
 *  - each writer writes one chunk, `chunk_ms`, carrying every token its stream got since its last chunk: vLLM's
 *    per-request output collector merges deltas when the writer falls behind the engine.
 * A turn lasts as long as its work. Light load: a request costs its own intake, and its tokens one turn each. Under
 * load turns grow (more tokens to detokenise, a chunk per stream), a request waits for the turn in progress, and its
 * first token takes two more turns, so TTFT grows with the turn length; a stream's tokens arrive in fewer, larger
 * chunks, so throughput keeps growing until detokenising alone fills the loop (1 / output_token_ms tokens/s).
 * A profile without `front_end` has none: every cost zero, so everything passes through at the instant it is offered.
 *
 * Clock-free and deterministic: the owner offers work with the time it arrived and runs each turn at nextTurnAt()
 * (./closed-loop.ts in virtual time, ./live-front-end.ts on timers for the HTTP engine). Times are engine milliseconds.
 */
import { z } from 'zod';

export const frontEndSchema = z.object({
  /** Loop time to take in one request before the scheduler sees it. */
  request_ms: z.number().nonnegative(),
  /** Loop time to detokenise one output token. */
  output_token_ms: z.number().nonnegative(),
  /** Loop time to write one chunk to a stream, however many tokens it carries. */
  chunk_ms: z.number().nonnegative().default(0),
});
export type FrontEndCosts = z.input<typeof frontEndSchema>;

/** The front-end block of a profile's JSON, if it declares one. */
export function frontEndOf(profile: unknown): FrontEndCosts | undefined {
  const block = (profile as { front_end?: unknown } | null)?.front_end;
  return block === undefined ? undefined : frontEndSchema.parse(block);
}

/** A step's token for one stream: whether it is the stream's first, whether its last. */
export interface StreamToken {
  stream: number;
  first: boolean;
  last: boolean;
}

/**
 * One thing a turn did, at the engine time it was done: a request reached the scheduler (`enter`), or a chunk was
 * written to a stream (`write`: how many tokens it carried, whether the stream's first and whether its last).
 */
export interface TurnEffect {
  kind: 'enter' | 'write';
  stream: number;
  at: number;
  tokens: number;
  first: boolean;
  last: boolean;
}

const INTAKE = 0;
const OUTPUT = 1;
const WRITE = 2;

interface Work {
  kind: typeof INTAKE | typeof OUTPUT | typeof WRITE;
  stream: number;
  tokens: readonly StreamToken[];
}

interface Offered {
  at: number;
  work: Work;
}

interface Pending {
  tokens: number;
  first: boolean;
  last: boolean;
}

const NO_TOKENS: readonly StreamToken[] = [];

export class FrontEnd {
  readonly costs: Readonly<Required<FrontEndCosts>>;
  /** Work offered from outside (requests, step outputs) in the order it arrived. */
  private inbox: Offered[] = [];
  /** Writers the last turn woke: they run in the next one. */
  private woken: Work[] = [];
  /** Per stream with a writer woken: its pending tokens, whether they include the first / the last. */
  private readonly pending = new Map<number, Pending>();
  private busyUntil = Number.NEGATIVE_INFINITY;

  constructor(costs: FrontEndCosts = { request_ms: 0, output_token_ms: 0 }) {
    this.costs = frontEndSchema.parse(costs);
  }

  offerRequest(stream: number, at: number): void {
    this.inbox.push({ at, work: { kind: INTAKE, stream, tokens: NO_TOKENS } });
  }

  offerOutput(tokens: readonly StreamToken[], at: number): void {
    if (tokens.length > 0) this.inbox.push({ at, work: { kind: OUTPUT, stream: -1, tokens } });
  }

  /** When the next turn starts, or undefined when the loop has nothing to do. */
  nextTurnAt(): number | undefined {
    if (this.woken.length > 0) return this.busyUntil;
    if (this.inbox.length === 0) return undefined;
    return this.inbox[0].at > this.busyUntil ? this.inbox[0].at : this.busyUntil;
  }

  /** Runs the turn that starts at `at` (a time nextTurnAt gave), appending what it did to `effects`, in time order. */
  turn(at: number, effects: TurnEffect[]): void {
    const work = this.woken;
    this.woken = [];
    let taken = 0;
    while (taken < this.inbox.length && this.inbox[taken].at <= at) work.push(this.inbox[taken++].work);
    this.inbox.splice(0, taken);
    let t = at;
    for (const w of work) t = this.run(w, t, effects);
    this.busyUntil = t;
  }

  private run(w: Work, t: number, effects: TurnEffect[]): number {
    const c = this.costs;
    if (w.kind === INTAKE) {
      effects.push({ kind: 'enter', stream: w.stream, at: t + c.request_ms, tokens: 0, first: false, last: false });
      return t + c.request_ms;
    }
    if (w.kind === OUTPUT) {
      for (const tok of w.tokens) {
        const p = this.pending.get(tok.stream);
        if (p === undefined) {
          this.pending.set(tok.stream, { tokens: 1, first: tok.first, last: tok.last });
          this.woken.push({ kind: WRITE, stream: tok.stream, tokens: NO_TOKENS });
        } else {
          p.tokens++;
          p.first ||= tok.first;
          p.last ||= tok.last;
        }
      }
      return t + c.output_token_ms * w.tokens.length;
    }
    const p = this.pending.get(w.stream) as Pending;
    this.pending.delete(w.stream);
    effects.push({
      kind: 'write',
      stream: w.stream,
      at: t + c.chunk_ms,
      tokens: p.tokens,
      first: p.first,
      last: p.last,
    });
    return t + c.chunk_ms;
  }
}
