/**
 * cliff: no early shedding.  p(r) = 0   (the class limit alone refuses, at r ≥ 1)
 */
import type { ShedRule } from './types.ts';

export function cliff(): ShedRule {
  return { name: 'cliff', probability: () => 0 };
}
