/**
 * simple-shuffle (LiteLLM's default): weighted random choice.
 *   P(d) = weight(d) / Σ weight over candidates
 * With equal weights it is a uniform shuffle. Only `weight` (default 1) is a weight. LiteLLM's
 * router_strategy/simple_shuffle.py also weighs by rpm, else by tpm, when the first candidate has no weight;
 * here rpm and tpm are limits only (docs/LITELLM.md, "Differences"). As a profile: weight → weighted-random.
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
