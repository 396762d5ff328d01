import { TimeBuckets } from '../../util/time-buckets.ts';

const REQUESTS = 0;
const FAILURES = 1;
/** One-tenth of the window per bucket: the window's edge moves in steps of a tenth. */
const BUCKETS = 10;

/**
 * A deployment's finished attempts and failed ones over a sliding window (src/util/time-buckets.ts). Recording
 * is O(1) and allocates nothing: it runs once per attempt, on the request path.
 */
export class OutcomeWindow {
  private readonly b: TimeBuckets;

  constructor(windowMs: number) {
    this.b = new TimeBuckets(windowMs, BUCKETS, 2);
  }

  success(now: number): void {
    this.b.advance(now);
    this.b.add(REQUESTS, 1);
  }

  failure(now: number): void {
    this.b.advance(now);
    this.b.add(REQUESTS, 1);
    this.b.add(FAILURES, 1);
  }

  requests(now: number): number {
    this.b.advance(now);
    return this.b.totals[REQUESTS];
  }

  failures(now: number): number {
    this.b.advance(now);
    return this.b.totals[FAILURES];
  }

  /** Failed share of the attempts in the window; 0 when there were none. */
  failureRate(now: number): number {
    const n = this.requests(now);
    return n > 0 ? this.b.totals[FAILURES] / n : 0;
  }

  clear(): void {
    this.b.clear();
  }
}
