/**
 * Level 3's enforcement for one engine: its in-flight count under an adaptive concurrency limit, its SLO
 * breaker, and a short penalty after the engine itself refuses a request. The router asks `blockedBy(now, f)`
 * for every candidate; a dispatched attempt holds one slot (`acquire`) released exactly once (`release`).
 *
 * By priority class (f = the class's fraction of every limit, src/admission/priority.ts), the engine takes a
 * new request while
 *   in_flight < max(1, ⌊f · limit⌋)    and    the breaker's pressure ≤ f    (./slo-breaker.ts)
 * so the top of every engine's limit and of its SLO stays free for the classes above: critical always finds
 * headroom there that lower classes cannot take.
 *
 * Measured on the stream in real time, no scraping:
 *   TTFT  dispatch → first body chunk, per request              → TTFT window, and the limit's sample
 *   ITL   gap between chunks / tokens in the later chunk        → ITL window (weighted by tokens)
 * The limit's latency signal is TTFT normalised for prompt length,
 *   rtt = ttft / (1 + uncached_prompt_tokens / norm_tokens)
 * with norm_tokens (default 1024) about the prompt length whose prefill costs as much as an engine step's
 * fixed cost, so a long prompt is not mistaken for queueing.
 */
import type { Clock } from '../util/clock.ts';
import { LatencyWindow } from './latency-window.ts';
import type { ConcurrencyLimit } from './limits/types.ts';
import { SloBreaker, type SloSettings } from './slo-breaker.ts';
import { TtftFit } from './ttft-fit.ts';

export type EngineBlock = 'penalty' | 'slow' | 'limited';

export interface EngineGateOptions {
  id: string;
  clock: Clock;
  limit: ConcurrencyLimit;
  slo: SloSettings;
  windowMs: number;
  normTokens: number;
}

export class EngineGate {
  readonly id: string;
  inFlight = 0;
  releaseErrors = 0;
  penaltyUntil = 0;
  penalties = 0;
  limit: ConcurrencyLimit;
  readonly ttft: LatencyWindow;
  readonly itl: LatencyWindow;
  /** TTFT by prompt length, for the router queue's service-time estimate. */
  readonly ttftFit: TtftFit;
  readonly breaker: SloBreaker;
  normTokens: number;
  private readonly sample = { rtt: 0, inFlight: 0, dropped: false };

  constructor(o: EngineGateOptions) {
    this.id = o.id;
    this.limit = o.limit;
    this.normTokens = o.normTokens;
    this.ttft = new LatencyWindow({ clock: o.clock, windowMs: o.windowMs });
    this.itl = new LatencyWindow({ clock: o.clock, windowMs: o.windowMs });
    this.ttftFit = new TtftFit(o.windowMs);
    this.breaker = new SloBreaker(o.slo, this.ttft, this.itl);
  }

  /** Why the engine cannot take a new request of a class with fraction `f` now, or undefined when it can. */
  blockedBy(now: number, f = 1): EngineBlock | undefined {
    if (now < this.penaltyUntil) return 'penalty';
    if (!this.breaker.allows(now, f)) return 'slow';
    if (this.inFlight >= Math.max(1, Math.floor(f * this.limit.limit))) return 'limited';
    return undefined;
  }

  /**
   * When the time-bound blocks of a class with fraction `f` end (a penalty, the breaker's window clearing),
   * for Retry-After and the queue's wake-up; Infinity when neither blocks it (a limit ends with an event).
   */
  unblocksAt(now: number, f = 1): number {
    const penalty = now < this.penaltyUntil;
    const slow = !this.breaker.allows(now, f);
    if (!penalty && !slow) return Infinity;
    return Math.max(penalty ? this.penaltyUntil : now, slow ? this.breaker.recoversAt(now, f) : now);
  }

  /** Takes a slot. */
  acquire(): void {
    this.inFlight++;
  }

  /** The first body chunk arrived `ttftMs` after dispatch. */
  firstToken(now: number, ttftMs: number, promptTokens: number): void {
    this.ttft.add(ttftMs, 1, now);
    this.ttftFit.add(now, ttftMs, promptTokens);
    const s = this.sample;
    s.rtt = ttftMs / (1 + promptTokens / this.normTokens);
    s.inFlight = this.inFlight;
    s.dropped = false;
    this.limit.update(s);
    this.breaker.changed();
  }

  /** `tokens` output tokens arrived `gapMs` after the previous chunk. */
  tokens(now: number, gapMs: number, tokens: number): void {
    if (tokens <= 0) return;
    this.itl.add(gapMs, tokens, now);
    this.breaker.changed();
  }

  /** Gives the slot back. `dropped`: the engine refused or timed out (a sample the limit counts as a drop). */
  release(now: number, dropped: boolean, elapsedMs: number): void {
    if (this.inFlight <= 0) {
      this.releaseErrors++;
      return;
    }
    if (dropped) {
      const s = this.sample;
      s.rtt = elapsedMs;
      s.inFlight = this.inFlight;
      s.dropped = true;
      this.limit.update(s);
    }
    this.inFlight--;
  }

  /** The engine refused a request itself (503/429): no new work for `ms` (a penalty, not a cooldown). */
  penalize(now: number, ms: number): void {
    this.penalties++;
    this.penaltyUntil = Math.max(this.penaltyUntil, now + ms);
  }
}
