/**
 * A decayed quantile of a positive ratio: how far above a prediction (or a recent mean) the q-th value lands.
 * A histogram of geometric buckets (steps of 2^(1/8), ~9 %: finer than any margin worth setting) over
 * 2^lowest … 2^(lowest + octaves), each new value weighted 1/(1 − 1/horizon) more than the last, so older
 * values fade with a horizon of ~`horizon` values and an add is O(1). A percentile read is O(buckets).
 * Values outside the range count in the end buckets.
 *
 * Users: the slo limit (a request's latency over the recent mean; default range 1/8 … 8), and the router
 * queue's wait calibration (src/routing/queue/wait-calibration.ts: a queued request's actual wait over its
 * predicted one). Measured instead of assumed: both are skewed, and a normal tail put the slo limit ~15 %
 * below where 99 % of requests met the SLO.
 */
const PER_OCTAVE = 8;
const RESCALE = 1e100;

export class RatioQuantile {
  private readonly counts: Float64Array;
  private readonly lowest: number;
  private total = 0;
  private weight = 1;
  private readonly grow: number;

  /** `lowestLog2`, `octaves`: the range 2^lowestLog2 … 2^(lowestLog2 + octaves). */
  constructor(horizon: number, lowestLog2 = -3, octaves = 6) {
    this.grow = 1 / (1 - 1 / horizon);
    this.lowest = lowestLog2 * PER_OCTAVE;
    this.counts = new Float64Array(octaves * PER_OCTAVE);
  }

  /** The decayed count of values (about `horizon` once that many were added). */
  get size(): number {
    return this.total / this.weight;
  }

  add(ratio: number): void {
    if (!(ratio > 0)) return;
    const n = this.counts.length;
    const i = Math.max(0, Math.min(n - 1, Math.floor(Math.log2(ratio) * PER_OCTAVE) - this.lowest));
    this.counts[i] += this.weight;
    this.total += this.weight;
    this.weight *= this.grow;
    if (this.weight > RESCALE) {
      for (let k = 0; k < n; k++) this.counts[k] /= this.weight;
      this.total /= this.weight;
      this.weight = 1;
    }
  }

  /** The ratio below which a share `q` of the (decayed) values fall: the upper edge of its bucket; NaN if empty. */
  quantile(q: number): number {
    if (this.total <= 0) return NaN;
    let acc = 0;
    const need = q * this.total;
    const n = this.counts.length;
    for (let k = 0; k < n; k++) {
      acc += this.counts[k];
      if (acc >= need) return 2 ** ((k + 1 + this.lowest) / PER_OCTAVE);
    }
    return 2 ** ((n + this.lowest) / PER_OCTAVE);
  }
}
