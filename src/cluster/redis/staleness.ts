/**
 * The last 4096 staleness samples (ms from another instance's load change to this instance counting it), for
 * tests and the micro benchmark to state a quantile; the histogram metric keeps the long run.
 */
export class StalenessSamples {
  private readonly ring = new Float64Array(4096);
  private n = 0;

  add(ms: number): void {
    this.ring[this.n % this.ring.length] = ms;
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  quantile(q: number): number {
    const k = Math.min(this.n, this.ring.length);
    if (k === 0) return Number.NaN;
    const sorted = this.ring.slice(0, k).sort();
    return sorted[Math.min(k - 1, Math.floor(q * k))];
  }
}
