/**
 * Drain rate: how fast a model group frees room for queued work, measured as the rate of capacity events
 * (an attempt ending: completion, failure or abort) over a sliding window of `windowMs`, kept as `buckets`
 * fixed-width counters so recording and reading are O(1) with no allocation:
 *
 *   rate = events in the window / min(time the buckets cover, time since the first event)   [events per ms]
 *
 * Fewer than `minEvents` in the window means the rate is not known (NaN): callers then fall back instead
 * of dividing by a guess.
 */
import type { Clock } from '../../util/clock.ts';

export interface DrainRateOptions {
  clock: Clock;
  windowMs?: number;
  buckets?: number;
  minEvents?: number;
}

export class DrainRate {
  private readonly clock: Clock;
  private readonly width: number;
  private readonly counts: Float64Array;
  private readonly minEvents: number;
  private readonly windowMs: number;
  /** Index (in bucket widths since time 0) of the newest bucket. */
  private head = -1;
  private total = 0;
  private firstAt = NaN;

  constructor(o: DrainRateOptions) {
    this.clock = o.clock;
    this.windowMs = o.windowMs ?? 2000;
    const n = o.buckets ?? 20;
    this.width = this.windowMs / n;
    this.counts = new Float64Array(n);
    this.minEvents = o.minEvents ?? 3;
  }

  record(n = 1, now = this.clock()): void {
    this.advance(now);
    this.counts[this.head % this.counts.length] += n;
    this.total += n;
    if (this.firstAt !== this.firstAt) this.firstAt = now;
  }

  /** Events per ms over the window, or NaN when too few were seen to say. */
  perMs(now = this.clock()): number {
    this.advance(now);
    if (this.total < this.minEvents) return NaN;
    // The buckets hold the last n − 1 whole widths and the part of the current one elapsed so far.
    const covered = this.windowMs - this.width + (now - this.head * this.width);
    const span = Math.min(covered, Math.max(this.width, now - this.firstAt));
    return this.total / span;
  }

  private advance(now: number): void {
    const idx = Math.floor(now / this.width);
    if (this.head < 0) {
      this.head = idx;
      return;
    }
    if (idx <= this.head) return;
    const n = this.counts.length;
    const steps = Math.min(n, idx - this.head);
    for (let i = 1; i <= steps; i++) {
      const b = (this.head + i) % n;
      this.total -= this.counts[b];
      this.counts[b] = 0;
    }
    this.head = idx;
    if (this.total <= 0) {
      this.total = 0;
      this.firstAt = NaN;
    }
  }
}
