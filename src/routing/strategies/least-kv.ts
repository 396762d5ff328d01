/**
 * least-kv: the candidate with the lowest reconciled load,
 *   u(e) = kv_blocks_used(e) / kv_blocks_total(e)                 when e's KV capacity is known,
 *        = in_flight(e) / max_parallel_requests(e)  or in_flight(e)  otherwise (see EngineLoad.utilization)
 * ties broken uniformly at random; busy engines excluded. Cheaper than kv-aware (no prefix term) and blind to
 * cache affinity: a baseline, and the right choice when prompts share nothing.
 * As a profile: not-busy → lowest(u) → max-score.
 */
import type { Random } from '../../util/random.ts';
import { notBusy } from '../filters/not-busy.ts';
import { maxScore } from '../pickers/max-score.ts';
import { profileStrategy } from '../profile/profile.ts';
import { lowestUtilization } from '../scorers/utilization.ts';
import type { EngineView, RoutingStrategy } from '../types.ts';

export function leastKv(random: Random): RoutingStrategy<EngineView> {
  return profileStrategy<EngineView>(
    {
      name: 'least-kv',
      filters: [notBusy],
      stages: [{ scorers: [{ scorer: lowestUtilization, weight: 1 }], picker: maxScore }],
    },
    random,
  );
}
