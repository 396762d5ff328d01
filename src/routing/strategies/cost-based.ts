/**
 * cost-based-routing (LiteLLM's name): the cheapest deployment by its `model_info` prices,
 *   price(d) = input_cost_per_token(d) + output_cost_per_token(d)      (unset: 0)
 * ties broken uniformly at random. LiteLLM also skips a deployment over its rpm/tpm; here the group's `limits`
 * filter already has. As a profile: lowest(price) → max-score.
 */
import type { Random } from '../../util/random.ts';
import { maxScore } from '../pickers/max-score.ts';
import { profileStrategy } from '../profile/profile.ts';
import { lowest } from '../scorers/lowest.ts';
import type { DeploymentView, RoutingStrategy } from '../types.ts';

// Prices are fractions of a cent per token: scaled so that lowest()'s 1 / (1 + x) keeps them apart.
const PER_MILLION = 1e6;
const cheapest = lowest(
  'price',
  (d: DeploymentView) => ((d.config.inputCostPerToken ?? 0) + (d.config.outputCostPerToken ?? 0)) * PER_MILLION,
);

export function costBased(random: Random): RoutingStrategy {
  return profileStrategy<DeploymentView>(
    {
      name: 'cost-based-routing',
      filters: [],
      stages: [{ scorers: [{ scorer: cheapest, weight: 1 }], picker: maxScore }],
    },
    random,
  );
}
