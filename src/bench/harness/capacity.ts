/**
 * The capacity of a system under an SLA: the highest offered rate at which a probe run still meets it
 * (e.g. ≥ 99% of requests within TTFT and TPOT). Doubles (or halves) from a starting guess until the answer is
 * bracketed, then bisects while probes remain and the bracket is wider than `tolerance` (relative).
 */

export interface CapacitySearch {
  start: number;
  maxProbes: number;
  /** Stop bisecting once (hi - lo) / lo is below this. */
  tolerance: number;
  /** Never probe above this rate. */
  max?: number;
}

export interface CapacityResult {
  capacity: number;
  probes: Array<{ rate: number; pass: boolean }>;
}

export async function findCapacity(passes: (rate: number) => Promise<boolean>, o: CapacitySearch): Promise<CapacityResult> {
  const probes: CapacityResult['probes'] = [];
  const probe = async (rate: number) => {
    const pass = await passes(rate);
    probes.push({ rate, pass });
    return pass;
  };
  let lo = 0;
  let hi = Infinity;
  let rate = o.start;
  // Bracket: double while passing, halve while failing.
  while (probes.length < o.maxProbes) {
    if (await probe(rate)) {
      lo = rate;
      if (hi !== Infinity || (o.max !== undefined && rate >= o.max)) break;
      rate = o.max !== undefined ? Math.min(rate * 2, o.max) : rate * 2;
    } else {
      hi = rate;
      if (lo > 0) break;
      rate = rate / 2;
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
