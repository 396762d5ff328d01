/**
 * order: LiteLLM's `litellm_params.order`, priority tiers within a group,
 *   admits(d) ⇔ order(d) = min { order(c) : c a candidate }      (no order: after every tier)
 * It runs last in each stage, over what could take the request, so a higher tier gets requests only while no
 * candidate of a lower one can take them (cooling, unhealthy, at a limit, refused by the engine gate, or
 * already tried by this request). Steers only: it never empties a non-empty list.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

const tier = (d: Deployment) => d.config.order ?? Infinity;

export const lowestOrder: GroupFilter<Deployment> = {
  name: 'order',
  filter(candidates, _sel, out) {
    let min = Infinity;
    for (let i = 0; i < candidates.length; i++) if (tier(candidates[i]) < min) min = tier(candidates[i]);
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (tier(candidates[i]) === min) out[kept++] = candidates[i];
    return kept;
  },
};
