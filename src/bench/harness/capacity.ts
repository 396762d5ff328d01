/**
 * The capacity of a system under an SLA: the highest offered rate at which a probe run still meets it
 * (e.g. ≥ 99% of requests within TTFT and TPOT). Multiplies (or divides) a starting guess by `factor` (default 2)
 * until the answer is bracketed, then bisects while probes remain and the bracket is wider than `tolerance`
 * (relative). A good guess wants a small factor: fewer probes spent bracketing.
 */

export interface CapacitySearch {
  start: number;
  maxProbes: number;
  /** Stop bisecting once (hi - lo) / lo is below this. */
  tolerance: number;
  /** Never probe above this rate. */
  max?: number;
  /** Bracketing step (> 1); default 2. */
  factor?: number;
}

export interface CapacityResult {
  capacity: number;
  probes: Array<{ rate: number; pass: boolean }>;
}

export async function findCapacity(
  passes: (rate: number) => Promise<boolean>,
  o: CapacitySearch,
): Promise<CapacityResult> {
  const probes: CapacityResult['probes'] = [];
  const probe = async (rate: number) => {
    const pass = await passes(rate);
    probes.push({ rate, pass });
    return pass;
  };
  let lo = 0;
  let hi = Infinity;
  let rate = o.start;
  const f = o.factor ?? 2;
  // Bracket: multiply by f while passing, divide while failing.
  while (probes.length < o.maxProbes) {
    if (await probe(rate)) {
      lo = rate;
      if (hi !== Infinity || (o.max !== undefined && rate >= o.max)) break;
      rate = round2(o.max !== undefined ? Math.min(rate * f, o.max) : rate * f);
    } else {
      hi = rate;
      if (lo > 0) break;
      rate = round2(rate / f);
    }
  }
  while (probes.length < o.maxProbes && lo > 0 && hi !== Infinity && (hi - lo) / lo > o.tolerance) {
    const mid = round2((lo + hi) / 2);
    if (await probe(mid)) lo = mid;
    else hi = mid;
  }
  return { capacity: lo, probes };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
