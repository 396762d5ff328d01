/**
 * Sums over a sliding time window, kept in fixed-width buckets: `series` parallel sums per bucket, their running
 * totals over the window, and the rotation that expires the oldest buckets as time moves on. Adding and reading
 * are O(1) amortised and allocate nothing. Written by hand because it is a dozen lines on the request path that
 * both the engine latency windows and the router queue's drain rate build on.
 */
export class TimeBuckets {
  readonly width: number;
  readonly windowMs: number;
  /** Index (in bucket widths since time 0) of the newest bucket; -1 before the first `advance`. */
  head = -1;
  /** Each series' sum over the window. */
  readonly totals: Float64Array;
  private readonly n: number;
  private readonly cells: Float64Array;
  /** Offset of the newest bucket's first series in `cells`. */
  private headBase = 0;

  constructor(windowMs: number, buckets: number, series: number) {
    this.windowMs = windowMs;
    this.n = buckets;
    this.width = windowMs / buckets;
    this.cells = new Float64Array(buckets * series);
    this.totals = new Float64Array(series);
  }

  /** Adds `value` to series `s` in the newest bucket; call `advance` first. */
  add(s: number, value: number): void {
    this.cells[this.headBase + s] += value;
    this.totals[s] += value;
  }

  /**
   * Moves the window to `now`, dropping what fell out of it. Returns true when the window is empty afterwards
   * (series 0, the count or weight, is at most 1e-9); every total is then set to exactly 0, so floating-point
   * drift from subtracting cannot accumulate.
   */
  advance(now: number): boolean {
    const idx = Math.floor(now / this.width);
    if (this.head < 0) {
      this.moveHead(idx);
      return this.totals[0] <= 1e-9;
    }
    if (idx <= this.head) return this.totals[0] <= 1e-9;
    const k = this.totals.length;
    const steps = Math.min(this.n, idx - this.head);
    for (let i = 1; i <= steps; i++) {
      const base = ((this.head + i) % this.n) * k;
      for (let s = 0; s < k; s++) {
        this.totals[s] -= this.cells[base + s];
        this.cells[base + s] = 0;
      }
    }
    this.moveHead(idx);
    if (this.totals[0] > 1e-9) return false;
    this.totals.fill(0);
    return true;
  }

  /**
   * Series `s` of the bucket that leaves the window when it advances by `j` widths (1 ≤ j ≤ buckets): for
   * forecasts of what the window holds later if nothing new is added. Call `advance` first.
   */
  expiring(j: number, s: number): number {
    return this.cells[((this.head + j) % this.n) * this.totals.length + s];
  }

  /** Clock time at which the window next drops a bucket: the start of bucket head + 1. */
  nextBoundary(): number {
    return (this.head + 1) * this.width;
  }

  private moveHead(idx: number): void {
    this.head = idx;
    this.headBase = (idx % this.n) * this.totals.length;
  }

  clear(): void {
    this.cells.fill(0);
    this.totals.fill(0);
  }
}
