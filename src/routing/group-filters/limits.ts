/**
 * limits: drops a deployment with no room under its own limits,
 *   admits(d) ⇔ in_flight(d) < max_parallel_requests ∧ requests this minute < rpm ∧ tokens this minute < tpm
 * (Deployment.hasCapacity; an unset limit always has room). Its drops refuse as deployment_limit, with the
 * soonest room as the Retry-After.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

export const limits: GroupFilter<Deployment> = {
  name: 'limits',
  filter(candidates, _sel, out) {
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].hasCapacity()) out[kept++] = candidates[i];
    return kept;
  },
  drops: { reason: 'deployment_limit', waitMs: (d) => d.msUntilCapacity() },
};
