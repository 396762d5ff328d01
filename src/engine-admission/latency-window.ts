/**
 * A recent-window mean and spread: Σ values / Σ weights over the last `windowMs` (and the same of squares
 * for the standard deviation), kept in fixed-width time buckets so an add and a read are O(1) and allocate
 * nothing. Callers on the request path pass the event's `now` (one clock read per event). Used per engine for
 * TTFT (one value per request) and ITL (gap sums weighted by the tokens they cover). Not an EMA: an EMA never
 * forgets an outlier completely and reacts at a rate set by traffic, where a window forgets everything older
 * than its length — the seed proposal's objection to EMAs over TTFT/ITL.
 */
import type { Clock } from '../util/clock.ts';
import { TimeBuckets } from '../util/time-buckets.ts';

export interface WindowOptions {
  clock: Clock;
  windowMs: number;
  buckets?: number;
}

// The series kept per bucket.
const WEIGHT = 0;
const SUM = 1;
const SQUARES = 2;

export class LatencyWindow {
  private readonly clock: Clock;
  private readonly window: TimeBuckets;
  private readonly buckets: number;

  constructor(o: WindowOptions) {
    this.clock = o.clock;
    this.buckets = o.buckets ?? 10;
    this.window = new TimeBuckets(o.windowMs, this.buckets, 3);
  }

  /** A sample of `value` (or `weight` samples whose values sum to `value`, each taken as value / weight). */
  add(value: number, weight = 1, now = this.clock()): void {
    const w = this.window;
    w.advance(now);
    w.add(WEIGHT, weight);
    w.add(SUM, value);
    w.add(SQUARES, (value * value) / weight);
  }

  /** Σ weights in the window (samples, or tokens for ITL). */
  count(now = this.clock()): number {
    this.window.advance(now);
    return this.window.totals[WEIGHT];
  }

  /** The window's mean, NaN when empty. */
  mean(now = this.clock()): number {
    const w = this.window;
    w.advance(now);
    return w.totals[WEIGHT] > 0 ? w.totals[SUM] / w.totals[WEIGHT] : NaN;
  }

  /** The window's standard deviation, NaN when empty. */
  sd(now = this.clock()): number {
    const m = this.mean(now);
    const t = this.window.totals;
    return m === m ? Math.sqrt(Math.max(0, t[SQUARES] / t[WEIGHT] - m * m)) : NaN;
  }

  /**
   * When, if no new sample came, the window would first hold fewer than `minWeight` or a mean ≤ `threshold`:
   * the end of the oldest buckets whose leaving gets it there (≤ now + the window's length). `now` itself when
   * it already does. O(buckets); for refusals and wake-ups, not for every candidate.
   */
  clearsAt(now: number, threshold: number, minWeight: number): number {
    const w = this.window;
    w.advance(now);
    let weight = w.totals[WEIGHT];
    let sum = w.totals[SUM];
    if (weight < minWeight || sum <= threshold * weight) return now;
    const n = this.buckets;
    for (let j = 1; j < n; j++) {
      weight -= w.expiring(j, WEIGHT);
      sum -= w.expiring(j, SUM);
      if (weight < minWeight || sum <= threshold * weight) return w.nextBoundary() + (j - 1) * w.width;
    }
    return w.nextBoundary() + (n - 1) * w.width;
  }

  /** Clock time up to which the window's content cannot change without a new sample. */
  stableUntil(now: number): number {
    this.window.advance(now);
    return this.window.nextBoundary();
  }

  reset(): void {
    this.window.clear();
  }
}
