import { off } from './off.ts';
import type { FairnessPolicy } from './types.ts';
import { weighted } from './weighted.ts';

export type { FairIdentity, FairnessPolicy } from './types.ts';

const policies = new Map<string, FairnessPolicy>([
  [off.name, off],
  [weighted.name, weighted],
]);

/** The policies `spillway.backpressure.fairness.policy` may name (`off` is what `enabled: false` picks). */
export function fairnessPolicyNames(): string[] {
  return [...policies.keys()];
}

/** The policy named `name`; throws on an unknown name. */
export function fairnessPolicy(name: string): FairnessPolicy {
  const p = policies.get(name);
  if (p === undefined)
    throw new Error(
      `backpressure.fairness.policy: unknown policy "${name}" (known: ${fairnessPolicyNames().join(', ')})`,
    );
  return p;
}
