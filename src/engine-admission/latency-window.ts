/**
 * A recent-window mean and spread: Σ values / Σ weights over the last `windowMs` (and the same of squares
 * for the standard deviation), kept in fixed-width time buckets so an add and a read are O(1) and allocate
 * nothing. Callers on the request path pass the event's `now` (one clock read per event). Used per engine for TTFT (one value per request) and ITL
 * (gap sums weighted by the tokens they cover). Not an EMA: an EMA never forgets an outlier completely and
 * reacts at a rate set by traffic, where a window forgets everything older than its length — the seed
 * proposal's objection to EMAs over TTFT/ITL.
 */
import type { Clock } from '../util/clock.ts';

export interface WindowOptions {
  clock: Clock;
  windowMs: number;
  buckets?: number;
}

export class LatencyWindow {
  private readonly clock: Clock;
  private readonly width: number;
  private readonly sums: Float64Array;
  private readonly weights: Float64Array;
  private readonly squares: Float64Array;
  private head = -1;
  private sum = 0;
  private sumSq = 0;
  private weight = 0;

  constructor(o: WindowOptions) {
    this.clock = o.clock;
    const n = o.buckets ?? 10;
    this.width = o.windowMs / n;
    this.sums = new Float64Array(n);
    this.weights = new Float64Array(n);
    this.squares = new Float64Array(n);
  }

  /** A sample of `value` (or `weight` samples whose values sum to `value`, each taken as value / weight). */
  add(value: number, weight = 1, now = this.clock()): void {
    this.advance(now);
    const b = this.head % this.sums.length;
    const sq = (value * value) / weight;
    this.sums[b] += value;
    this.weights[b] += weight;
    this.squares[b] += sq;
    this.sum += value;
    this.sumSq += sq;
    this.weight += weight;
  }

  /** Σ weights in the window (samples, or tokens for ITL). */
  count(now = this.clock()): number {
    this.advance(now);
    return this.weight;
  }

  /** The window's mean, NaN when empty. */
  mean(now = this.clock()): number {
    this.advance(now);
    return this.weight > 0 ? this.sum / this.weight : NaN;
  }

  /** The window's standard deviation, NaN when empty. */
  sd(now = this.clock()): number {
    const m = this.mean(now);
    return m === m ? Math.sqrt(Math.max(0, this.sumSq / this.weight - m * m)) : NaN;
  }

  reset(): void {
    this.sums.fill(0);
    this.weights.fill(0);
    this.squares.fill(0);
    this.sum = 0;
    this.sumSq = 0;
    this.weight = 0;
  }

  private advance(now: number): void {
    const idx = Math.floor(now / this.width);
    if (this.head < 0) {
      this.head = idx;
      return;
    }
    if (idx <= this.head) return;
    const n = this.sums.length;
    const steps = Math.min(n, idx - this.head);
    for (let i = 1; i <= steps; i++) {
      const b = (this.head + i) % n;
      this.sum -= this.sums[b];
      this.weight -= this.weights[b];
      this.sumSq -= this.squares[b];
      this.sums[b] = 0;
      this.weights[b] = 0;
      this.squares[b] = 0;
    }
    this.head = idx;
    if (this.weight <= 1e-9) {
      this.sum = 0;
      this.sumSq = 0;
      this.weight = 0;
    }
  }
}
