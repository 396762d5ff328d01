/**
 * latency-based-routing (LiteLLM's name), mapped onto the load model: the engine with the least prefill work
 * ahead of this prompt, which is what its time to first token waits for,
 *   cost(e) = (queued_prefill_tokens(e) + T − C(e)) / block_size(e)        (../scorers/prefill-cost.ts)
 * ties to the fewest in flight, then at random; busy engines excluded. LiteLLM ranks deployments by the
 * latency of their past responses (a moving average per token, or of the first token on streams), which
 * lags the load by the window it averages; the prediction here moves with each dispatch. Unlike kv-aware it
 * has no prefix stage: the cached prefix only lowers an engine's cost. As a profile: not-busy →
 * prefill-cost, ties to lowest(in_flight) → max-score.
 */
import type { Random } from '../../util/random.ts';
import { notBusy } from '../filters/not-busy.ts';
import { maxScore } from '../pickers/max-score.ts';
import { profileStrategy } from '../profile/profile.ts';
import { lowest } from '../scorers/lowest.ts';
import { prefillCostScorer } from '../scorers/prefill-cost.ts';
import type { EngineView, RoutingStrategy } from '../types.ts';

const fewestInFlight = lowest('in-flight', (e: EngineView) => e.load.inFlight());

export function latencyBased(random: Random): RoutingStrategy<EngineView> {
  return profileStrategy<EngineView>(
    {
      name: 'latency-based-routing',
      filters: [notBusy],
      stages: [{ scorers: [{ scorer: prefillCostScorer, weight: 1 }], tieBreak: fewestInFlight, picker: maxScore }],
    },
    random,
  );
}
