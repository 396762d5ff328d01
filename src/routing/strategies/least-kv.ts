/**
 * least-kv: the candidate with the lowest reconciled load,
 *   u(e) = kv_blocks_used(e) / kv_blocks_total(e)                 when e's KV capacity is known,
 *        = in_flight(e) / max_parallel_requests(e)  or in_flight(e)  otherwise (see EngineLoad.utilization)
 * ties broken uniformly at random; busy engines excluded. Cheaper than kv-aware (no prefix term) and blind to
 * cache affinity: a baseline, and the right choice when prompts share nothing.
 */
import type { EngineView, LoadAwareStrategy, PromptRouteRequest } from '../engine-view.ts';
import type { Random } from '../../util/random.ts';

export function leastKv(random: Random): LoadAwareStrategy {
  return {
    name: 'least-kv',
    pick<D extends EngineView>(candidates: readonly D[], _req: PromptRouteRequest): D | undefined {
      let best: D | undefined;
      let bestU = Infinity;
      let ties = 0;
      for (let i = 0; i < candidates.length; i++) {
        const e = candidates[i];
        if (e.load.isBusy()) continue;
        const u = e.load.utilization();
        if (u < bestU) {
          best = e;
          bestU = u;
          ties = 1;
        } else if (u === bestU && random() * ++ties < 1) {
          best = e;
        }
      }
      return best;
    },
  };
}
