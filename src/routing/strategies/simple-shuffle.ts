/**
 * simple-shuffle (LiteLLM's default): weighted random choice.
 *   P(d) = weight(d) / Σ weight over candidates
 * With equal weights it is a uniform shuffle. The config sets each deployment's weight as LiteLLM's
 * router_strategy/simple_shuffle.py weighs it: `weight`, else `rpm`, else `tpm` (../../config/routing-compat.ts;
 * docs/LITELLM.md, "Differences"). As a profile: weight → weighted-random.
 */
import type { Random } from '../../util/random.ts';
import { weightedRandom } from '../pickers/weighted-random.ts';
import { profileStrategy } from '../profile/profile.ts';
import { weight } from '../scorers/weight.ts';
import type { DeploymentView, RoutingStrategy } from '../types.ts';

export function simpleShuffle(random: Random): RoutingStrategy {
  return profileStrategy<DeploymentView>(
    {
      name: 'simple-shuffle',
      filters: [],
      stages: [{ scorers: [{ scorer: weight, weight: 1 }], picker: weightedRandom }],
    },
    random,
  );
}
