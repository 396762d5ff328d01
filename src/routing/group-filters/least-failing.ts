/**
 * least-failing: panic routing's choice among cooling deployments, the ones failing least,
 *   admits(d) ⇔ failure_score(d) = min over candidates of failure_score
 * (Deployment.failureScore: the window's failed share, or the share that began the cooldown); ties all kept,
 * for the strategy to rank.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

export const leastFailing: GroupFilter<Deployment> = {
  name: 'least-failing',
  filter(candidates, _sel, out) {
    let best = Infinity;
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) {
      const score = candidates[i].failureScore();
      if (score < best) {
        best = score;
        kept = 0;
      }
      if (score === best) out[kept++] = candidates[i];
    }
    return kept;
  },
};
