/**
 * cooldown-hold: drops a deployment that an upstream's Retry-After holds in its cooldown,
 *   admits(d) ⇔ hold_remaining(d) = 0
 * Not even panic routing sends to it: the upstream asked for the time. Its drops refuse as all_cooling_down,
 * with the shortest hold as the Retry-After.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

export const cooldownHold: GroupFilter<Deployment> = {
  name: 'cooldown-hold',
  filter(candidates, _sel, out) {
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].holdRemainingMs() === 0) out[kept++] = candidates[i];
    return kept;
  },
  drops: { reason: 'all_cooling_down', waitMs: (d) => d.holdRemainingMs() },
};
