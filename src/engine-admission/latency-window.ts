/**
 * A recent-window mean: Σ values / Σ weights over the last `windowMs`, kept in fixed-width time buckets so an
 * add and a read are O(1) and allocate nothing. Used per engine for TTFT (one value per request) and ITL
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
  private head = -1;
  private sum = 0;
  private weight = 0;

  constructor(o: WindowOptions) {
    this.clock = o.clock;
    const n = o.buckets ?? 10;
    this.width = o.windowMs / n;
    this.sums = new Float64Array(n);
    this.weights = new Float64Array(n);
  }

  add(value: number, weight = 1): void {
    this.advance();
    const b = this.head % this.sums.length;
    this.sums[b] += value;
    this.weights[b] += weight;
    this.sum += value;
    this.weight += weight;
  }

  /** Σ weights in the window (samples, or tokens for ITL). */
  count(): number {
    this.advance();
    return this.weight;
  }

  /** The window's mean, NaN when empty. */
  mean(): number {
    this.advance();
    return this.weight > 0 ? this.sum / this.weight : NaN;
  }

  reset(): void {
    this.sums.fill(0);
    this.weights.fill(0);
    this.sum = 0;
    this.weight = 0;
  }

  private advance(): void {
    const idx = Math.floor(this.clock() / this.width);
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
      this.sums[b] = 0;
      this.weights[b] = 0;
    }
    this.head = idx;
    if (this.weight <= 1e-9) {
      this.sum = 0;
      this.weight = 0;
    }
  }
}
