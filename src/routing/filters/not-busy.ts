/**
 * not-busy: drops engines busy by their own `busy_kv_usage` (EngineLoad.isBusy, the one definition in
 * src/load/busy.ts):
 *   admits(e) ⇔ ¬(kv_usage(e) ≥ busy_kv_usage(e))
 * When every candidate is busy nothing is left: the router's "all workers busy".
 */
import type { Filter } from '../profile/types.ts';
import type { EngineView } from '../types.ts';

export const notBusy: Filter<EngineView> = {
  name: 'not-busy',
  filter(candidates, _req, out) {
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (!candidates[i].load.isBusy()) out[kept++] = candidates[i];
    return kept;
  },
};
