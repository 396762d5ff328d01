/**
 * healthy: with active health checks on (src/health), drops the deployments whose probes failed,
 *   admits(d) ⇔ healthy(d), unless no candidate is healthy: then it keeps them all
 * Failing open, as Envoy's panic threshold and LiteLLM's health-check routing do: a probe that is wrong (a
 * path the engine does not serve, a network split between gateway and engines only) must not take a whole
 * group down; cooldowns still judge the real requests. Steers only.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

export const healthy: GroupFilter<Deployment> = {
  name: 'healthy',
  filter(candidates, _sel, out) {
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].healthy) out[kept++] = candidates[i];
    if (kept > 0) return kept;
    for (let i = 0; i < candidates.length; i++) out[i] = candidates[i];
    return candidates.length;
  },
};
