/**
 * simple-shuffle (LiteLLM's default): weighted random choice.
 *   P(d) = weight(d) / Σ weight over candidates
 * With equal weights it is a uniform shuffle. Only `weight` (default 1) is a weight. LiteLLM's
 * router_strategy/simple_shuffle.py also weighs by rpm, else by tpm, when the first candidate has no weight;
 * here rpm and tpm are limits only (docs/LITELLM.md, "Differences").
 */
import type { Random } from '../../util/random.ts';
import type { DeploymentView, RouteRequest, RoutingStrategy } from '../types.ts';

export function simpleShuffle(random: Random): RoutingStrategy {
  return {
    name: 'simple-shuffle',
    pick<D extends DeploymentView>(candidates: readonly D[], _req: RouteRequest): D | undefined {
      const n = candidates.length;
      if (n <= 1) return candidates[0];
      let total = 0;
      for (let i = 0; i < n; i++) total += candidates[i].config.weight;
      let r = random() * total;
      for (let i = 0; i < n; i++) {
        r -= candidates[i].config.weight;
        if (r < 0) return candidates[i];
      }
      return candidates[n - 1];
    },
  };
}
