/**
 * An engine's recent TTFT as a function of the prompt's length, for the router queue's deadline check
 * (src/routing/queue/waiting-room.ts): a least-squares line over the last `windowMs`, kept as sums in fixed
 * time buckets (O(1) per sample and per read, no allocation):
 *
 *   ttft(P) ≈ a + b·P      b = cov(P, ttft) / var(P), clamped ≥ 0;  a = mean(ttft) − b·mean(P)
 *   s²      = var(ttft) − b·cov(P, ttft)      the spread left once the prompt's length is accounted for
 *
 * Why not the plain TTFT window's mean + z·sd: with mixed prompt lengths (200-3,000 tokens) most of that sd is
 * the prefill time's spread across prompts, which says nothing about any one request, and z·sd of it alone can
 * eat a 1 s budget. Every queued request then had its budget cut by the worst engine's mean + z·sd, and
 * critical requests were refused (`router_deadline`) while lower classes held capacity. The line gives the
 * expected TTFT for THIS request's prompt, and s only the queueing and batching noise around it.
 *
 * P is what the engine had to prefill: the prompt less the prefix the load model placed in its cache, where
 * it keeps one (a cache hit and a miss of one prompt length are different work). A queued request is judged
 * at its whole length, as if it hit nothing: it may land anywhere.
 *
 * b is clamped at 0 because a longer prompt never gets its first token sooner: a negative slope is noise
 * (a window of similar lengths), and then the line is the plain mean with its whole spread. Below 2 samples,
 * or with every prompt of one length (var(P) = 0), it is the mean alone.
 */
import { TimeBuckets } from '../util/time-buckets.ts';

// Series per bucket: n, ΣP, Σt, ΣP², ΣPt, Σt².
const N = 0;
const SP = 1;
const ST = 2;
const SPP = 3;
const SPT = 4;
const STT = 5;

export class TtftFit {
  private readonly w: TimeBuckets;

  constructor(windowMs: number, buckets = 10) {
    this.w = new TimeBuckets(windowMs, buckets, 6);
  }

  /** A first token `ttftMs` after dispatch, for a prompt of `tokens`. */
  add(now: number, ttftMs: number, tokens: number): void {
    const w = this.w;
    w.advance(now);
    w.add(N, 1);
    w.add(SP, tokens);
    w.add(ST, ttftMs);
    w.add(SPP, tokens * tokens);
    w.add(SPT, tokens * ttftMs);
    w.add(STT, ttftMs * ttftMs);
  }

  count(now: number): number {
    this.w.advance(now);
    return this.w.totals[N];
  }

  /** The mean prompt tokens of the window's samples; 0 while it is empty. */
  meanTokens(now: number): number {
    this.w.advance(now);
    const n = this.w.totals[N];
    return n > 0 ? this.w.totals[SP] / n : 0;
  }

  /** The slope b (ms per prompt token), 0 when it cannot be told. */
  slope(now: number): number {
    const t = this.w.totals;
    this.w.advance(now);
    const n = t[N];
    if (n < 2) return 0;
    const mp = t[SP] / n;
    const varP = t[SPP] / n - mp * mp;
    // Relative to mean(P)²: below it the lengths are one length up to rounding.
    if (!(varP > 1e-9 * (mp * mp + 1))) return 0;
    const cov = t[SPT] / n - mp * (t[ST] / n);
    return Math.max(0, cov / varP);
  }

  /** Expected TTFT (ms) for a prompt of `tokens`; NaN while the window is empty. */
  expected(now: number, tokens: number): number {
    const t = this.w.totals;
    const b = this.slope(now);
    const n = t[N];
    if (n === 0) return NaN;
    return Math.max(0, t[ST] / n + b * (tokens - t[SP] / n));
  }

  /** The residual standard deviation s (ms); NaN while the window is empty. */
  sd(now: number): number {
    const t = this.w.totals;
    const b = this.slope(now);
    const n = t[N];
    if (n === 0) return NaN;
    const mp = t[SP] / n;
    const mt = t[ST] / n;
    const varT = t[STT] / n - mt * mt;
    const cov = t[SPT] / n - mp * mt;
    return Math.sqrt(Math.max(0, varT - b * cov));
  }

  reset(): void {
    this.w.clear();
  }
}
