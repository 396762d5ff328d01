/**
 * A recent-window mean and spread: Σ values / Σ weights over the last `windowMs` (and the same of squares
 * for the standard deviation), kept in fixed-width time buckets so an add and a read are O(1) and allocate
 * nothing. Callers on the request path pass the event's `now` (one clock read per event). Used per engine for
 * TTFT (one value per request) and ITL (gap sums weighted by the tokens they cover). Not an EMA: an EMA never
 * forgets an outlier completely and reacts at a rate set by traffic, where a window forgets everything older
 * than its length — the seed proposal's objection to EMAs over TTFT/ITL.
 *
 * With `bounds`, it also keeps samples marked as upper bounds of the value (a non-streamed response's
 * end-to-end time, for TTFT) apart from the measured ones, in the same buckets:
 *   mean      = Σ measured / their weight                 (what was measured: the mean, sd, count, clearsAt)
 *   upperMean = (Σ measured + Σ bounds) / all the weight  (an upper bound of the mean of every sample)
 */
import type { Clock } from '../util/clock.ts';
import { TimeBuckets } from '../util/time-buckets.ts';

export interface WindowOptions {
  clock: Clock;
  windowMs: number;
  buckets?: number;
  /** Keep upper-bound samples too (`addBound`, `upperMean`). */
  bounds?: boolean;
}

// The series kept per bucket. Series 0 is the weight of everything, as TimeBuckets reads it for emptiness.
const ALL_WEIGHT = 0;
const ALL_SUM = 1;
const SQUARES = 2;
// With bounds only: the measured samples' weight and sum (without, they are the first two).
const WEIGHT = 3;
const SUM = 4;

export class LatencyWindow {
  private readonly clock: Clock;
  private readonly window: TimeBuckets;
  private readonly buckets: number;
  private readonly bounds: boolean;
  /** Where the measured samples' weight and sum are. */
  private readonly w: number;
  private readonly s: number;

  constructor(o: WindowOptions) {
    this.clock = o.clock;
    this.buckets = o.buckets ?? 10;
    this.bounds = o.bounds === true;
    this.window = new TimeBuckets(o.windowMs, this.buckets, this.bounds ? 5 : 3);
    this.w = this.bounds ? WEIGHT : ALL_WEIGHT;
    this.s = this.bounds ? SUM : ALL_SUM;
  }

  /** A sample of `value` (or `weight` samples whose values sum to `value`, each taken as value / weight). */
  add(value: number, weight = 1, now = this.clock()): void {
    const w = this.window;
    w.advance(now);
    w.add(ALL_WEIGHT, weight);
    w.add(ALL_SUM, value);
    w.add(SQUARES, (value * value) / weight);
    if (this.bounds) {
      w.add(WEIGHT, weight);
      w.add(SUM, value);
    }
  }

  /** A sample known only to be at most `value` (needs `bounds`): it counts in `upperMean` alone. */
  addBound(value: number, now = this.clock()): void {
    if (!this.bounds) throw new Error('this latency window keeps no bounds');
    const w = this.window;
    w.advance(now);
    w.add(ALL_WEIGHT, 1);
    w.add(ALL_SUM, value);
  }

  /** Σ weights of the measured samples in the window (samples, or tokens for ITL). */
  count(now = this.clock()): number {
    this.window.advance(now);
    return this.window.totals[this.w];
  }

  /** The measured samples' mean, NaN when there are none. */
  mean(now = this.clock()): number {
    const t = this.window.totals;
    this.window.advance(now);
    return t[this.w] > 0 ? t[this.s] / t[this.w] : NaN;
  }

  /** The mean with bounds in place of values: at least the true mean of every sample. NaN when empty. */
  upperMean(now = this.clock()): number {
    const t = this.window.totals;
    this.window.advance(now);
    return t[ALL_WEIGHT] > 0 ? t[ALL_SUM] / t[ALL_WEIGHT] : NaN;
  }

  /** The measured samples' standard deviation, NaN when there are none. */
  sd(now = this.clock()): number {
    const m = this.mean(now);
    const t = this.window.totals;
    return m === m ? Math.sqrt(Math.max(0, t[SQUARES] / t[this.w] - m * m)) : NaN;
  }

  /**
   * When, if no new sample came, the measured samples would first number fewer than `minWeight` or have a
   * mean ≤ `threshold` (`upper`: the mean with bounds ≤ `threshold`, with at least `minWeight` measured): the
   * end of the oldest buckets whose leaving gets it there (≤ now + the window's length). `now` itself when it
   * already does. O(buckets); for refusals and wake-ups, not for every candidate.
   */
  clearsAt(now: number, threshold: number, minWeight: number, upper = false): number {
    const w = this.window;
    w.advance(now);
    const ws = upper ? ALL_WEIGHT : this.w;
    const ss = upper ? ALL_SUM : this.s;
    let counted = w.totals[this.w];
    let weight = w.totals[ws];
    let sum = w.totals[ss];
    if (counted < minWeight || sum <= threshold * weight) return now;
    const n = this.buckets;
    for (let j = 1; j < n; j++) {
      counted -= w.expiring(j, this.w);
      weight -= w.expiring(j, ws);
      sum -= w.expiring(j, ss);
      if (counted < minWeight || sum <= threshold * weight) return w.nextBoundary() + (j - 1) * w.width;
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
