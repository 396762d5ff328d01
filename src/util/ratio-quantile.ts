/**
 * A decayed quantile of a positive ratio: how far above a prediction (or a recent mean) the q-th value lands.
 * A histogram of geometric buckets (steps of 2^(1/8), ~9 %: finer than any margin worth setting) over
 * 2^lowest … 2^(lowest + octaves), each new value weighted 1/(1 − 1/horizon) more than the last, so older
 * values fade with a horizon of ~`horizon` values and an add is O(1). A percentile read is O(buckets).
 * Values outside the range count in the end buckets.
 *
 * The distribution itself (`cdf`, `mean`, `top`) is read from a cumulative array rebuilt on the first such read
 * after an add (O(buckets)), then O(1) per read; within a bucket the share grows linearly in log(value). The
 * tail holding less than FORGOTTEN of the weight is left out of those reads: a value from long ago keeps a
 * tiny weight for ever (decay is relative) and would otherwise stay the largest one seen.
 *
 * Users: the slo limit (a request's latency over the recent mean; default range 1/8 … 8), the router
 * queue's wait calibration (src/routing/queue/wait-calibration.ts: a queued request's actual wait over its
 * predicted one), and its departures (src/routing/queue/departures.ts: the distribution of attempt durations).
 * Measured instead of assumed: both are skewed, and a normal tail put the slo limit ~15 % below where 99 % of
 * requests met the SLO.
 */
const PER_OCTAVE = 8;
const RESCALE = 1e100;
/** The share of the decayed weight, at the top, that `cdf`, `mean` and `top` ignore. */
const FORGOTTEN = 1e-3;

export class RatioQuantile {
  private readonly counts: Float64Array;
  private readonly lowest: number;
  private total = 0;
  private weight = 1;
  private readonly grow: number;
  /** Shares at or below each bucket's upper edge, up to `topIndex`; rebuilt when `stale`. */
  private cum: Float64Array | undefined;
  private stale = true;
  private topIndex = -1;
  private meanValue = NaN;

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
    this.stale = true;
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

  /** The share of the (decayed) values at or below `x`; NaN if empty. */
  cdf(x: number): number {
    if (this.stale) this.rebuild();
    const top = this.topIndex;
    if (top < 0) return NaN;
    const pos = Math.log2(x) * PER_OCTAVE - this.lowest;
    if (!(pos > 0)) return 0;
    const k = Math.floor(pos);
    if (k > top) return 1;
    const cum = this.cum as Float64Array;
    const below = k === 0 ? 0 : cum[k - 1];
    return below + (cum[k] - below) * (pos - k);
  }

  /** The (decayed) mean, each value at its bucket's geometric centre; NaN if empty. */
  mean(): number {
    if (this.stale) this.rebuild();
    return this.meanValue;
  }

  /** The largest value lately seen: the upper edge of the last bucket `cdf` counts; NaN if empty. */
  top(): number {
    if (this.stale) this.rebuild();
    return this.topIndex < 0 ? NaN : 2 ** ((this.topIndex + 1 + this.lowest) / PER_OCTAVE);
  }

  private rebuild(): void {
    this.stale = false;
    const n = this.counts.length;
    const cum = (this.cum ??= new Float64Array(n));
    if (!(this.total > 0)) {
      this.topIndex = -1;
      this.meanValue = NaN;
      return;
    }
    let acc = 0;
    let sum = 0;
    let top = n - 1;
    for (let k = 0; k < n; k++) {
      acc += this.counts[k];
      sum += this.counts[k] * 2 ** ((k + 0.5 + this.lowest) / PER_OCTAVE);
      cum[k] = acc;
      if (acc >= (1 - FORGOTTEN) * this.total) {
        top = k;
        break;
      }
    }
    for (let k = 0; k <= top; k++) cum[k] /= acc;
    this.topIndex = top;
    this.meanValue = sum / acc;
  }
}
