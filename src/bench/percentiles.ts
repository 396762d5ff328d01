/**
 * Latency percentiles over a finished run. Hand-written rather than an HDR histogram package: a bench run holds at
 * most a few million samples, and sorting one Float32Array copy at the end is exact, allocation-light and fast
 * (typed-array sort is numeric and native), so bucketing error would buy nothing.
 */

export interface LatencyStats {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export const EMPTY_STATS: LatencyStats = Object.freeze({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });

/** Nearest-rank percentile (q in [0, 1]) of an ascending array. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.ceil(q * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))];
}

/** Stats of the finite values among `values` (NaN marks "not measured" and is skipped). */
export function latencyStats(values: ArrayLike<number>, length = values.length): LatencyStats {
  const sorted = finiteSorted(values, length);
  const n = sorted.length;
  if (n === 0) return { ...EMPTY_STATS };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    count: n,
    mean: round3(sum / n),
    p50: round3(percentile(sorted, 0.5)),
    p90: round3(percentile(sorted, 0.9)),
    p99: round3(percentile(sorted, 0.99)),
    max: round3(sorted[n - 1]),
  };
}

export function finiteSorted(values: ArrayLike<number>, length = values.length): Float64Array {
  const out = new Float64Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
