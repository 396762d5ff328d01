/**
 * The API server in front of the engine's scheduler, as one single-threaded FIFO server (vLLM's OpenAI server is
 * one Python process whose event loop parses and tokenises requests and detokenises and streams every output token
 * while the engine core steps in another process). Two kinds of work queue on it, in the order they arrive:
 *  - a request, costing `request_ms` (HTTP, validation, chat template, tokenising): it reaches the scheduler
 *    when this work is done;
 *  - a step's output, costing `output_token_ms` per token (detokenising, one SSE chunk per stream): the step's
 *    tokens reach their clients when this work is done.
 * Each item's cost is drawn from an exponential distribution with that mean (seeded, so a replay is repeatable):
 * an interpreter's per-item time varies (collection pauses, uneven chunks), and a constant cost would make the
 * server either never or always behind, a cliff no measured sweep shows. Below saturation it adds little; as the
 * token stream approaches 1 / output_token_ms per second, requests wait behind output work, so TTFT grows much
 * faster than TPOT. A profile without `front_end` has none (zero cost).
 */
import { z } from 'zod';
import { type Random, seededRandom } from '../util/random.ts';

export const frontEndSchema = z.object({
  /** Server time to take in one request before the scheduler sees it. */
  request_ms: z.number().nonnegative(),
  /** Server time per output token streamed to a client. */
  output_token_ms: z.number().nonnegative(),
});
export type FrontEndCosts = z.infer<typeof frontEndSchema>;

/** The front-end block of a profile's JSON, if it declares one. */
export function frontEndOf(profile: unknown): FrontEndCosts | undefined {
  const block = (profile as { front_end?: unknown } | null)?.front_end;
  return block === undefined ? undefined : frontEndSchema.parse(block);
}

/**
 * The server's timeline. Work must be offered in the order it becomes ready (a Lindley recursion): each item
 * starts when both it and the server are ready. Times are engine milliseconds.
 */
export class FrontEnd {
  readonly costs: Readonly<FrontEndCosts>;
  private freeAt = Number.NEGATIVE_INFINITY;

  private readonly random: Random;

  constructor(costs: FrontEndCosts = { request_ms: 0, output_token_ms: 0 }, random: Random = seededRandom(1)) {
    this.costs = { ...costs };
    this.random = random;
  }

  /** When a request offered at `readyAt` reaches the scheduler. */
  takeRequest(readyAt: number): number {
    return this.serve(readyAt, this.costs.request_ms);
  }

  /** When `tokens` output tokens of a step that ended at `readyAt` reach their clients. */
  streamTokens(readyAt: number, tokens: number): number {
    return this.serve(readyAt, tokens * this.costs.output_token_ms);
  }

  private serve(readyAt: number, mean: number): number {
    const cost = mean === 0 ? 0 : -mean * Math.log(1 - this.random());
    const start = readyAt > this.freeAt ? readyAt : this.freeAt;
    this.freeAt = start + cost;
    return this.freeAt;
  }
}
