/**
 * Drain rate: how fast a model group frees room for queued work, measured as the rate of dispatches to its
 * engines (src/pipeline/backpressure/attempts.ts says why not ends) over a sliding window of `windowMs`, kept as
 * `buckets` fixed-width counters so recording and reading are O(1) with no allocation:
 *
 *   rate = events in the window / min(time the buckets cover, time since the first event)   [events per ms]
 *
 * Fewer than `minEvents` in the window means the rate is not known (NaN): callers then fall back instead
 * of dividing by a guess.
 */
import type { Clock } from '../../util/clock.ts';
import { TimeBuckets } from '../../util/time-buckets.ts';

export interface DrainRateOptions {
  clock: Clock;
  windowMs?: number;
  buckets?: number;
  minEvents?: number;
}

export class DrainRate {
  private readonly clock: Clock;
  private readonly window: TimeBuckets;
  private readonly minEvents: number;
  private firstAt = NaN;

  constructor(o: DrainRateOptions) {
    this.clock = o.clock;
    this.window = new TimeBuckets(o.windowMs ?? 2000, o.buckets ?? 20, 1);
    this.minEvents = o.minEvents ?? 3;
  }

  record(n = 1, now = this.clock()): void {
    this.advance(now);
    this.window.add(0, n);
    if (this.firstAt !== this.firstAt) this.firstAt = now;
  }

  /** Events per ms over the window, or NaN when too few were seen to say. */
  perMs(now = this.clock()): number {
    this.advance(now);
    const w = this.window;
    const total = w.totals[0];
    if (total < this.minEvents) return NaN;
    // The buckets hold the last n − 1 whole widths and the part of the current one elapsed so far.
    const covered = w.windowMs - w.width + (now - w.head * w.width);
    const span = Math.min(covered, Math.max(w.width, now - this.firstAt));
    return total / span;
  }

  /** Events in the window now. */
  count(now = this.clock()): number {
    this.advance(now);
    return this.window.totals[0];
  }

  get windowMs(): number {
    return this.window.windowMs;
  }

  /** How long the window has been counting since its first event (ms; 0 before one), at most its width. */
  coveredMs(now = this.clock()): number {
    this.advance(now);
    const since = now - this.firstAt;
    return since === since ? Math.min(since, this.window.windowMs) : 0;
  }

  private advance(now: number): void {
    if (this.window.advance(now)) this.firstAt = NaN;
  }
}
