/**
 * least-busy: the candidate with the fewest in-flight requests; ties broken uniformly at random
 * (reservoir sampling over the tied set, so no allocation).
 */
import type { Random } from '../../util/random.ts';
import type { DeploymentView, RouteRequest, RoutingStrategy } from '../types.ts';

export function leastBusy(random: Random): RoutingStrategy {
  return {
    name: 'least-busy',
    pick<D extends DeploymentView>(candidates: readonly D[], _req: RouteRequest): D | undefined {
      let best: D | undefined;
      let ties = 0;
      for (let i = 0; i < candidates.length; i++) {
        const c = candidates[i];
        if (best === undefined || c.inFlight < best.inFlight) {
          best = c;
          ties = 1;
        } else if (c.inFlight === best.inFlight && random() * ++ties < 1) {
          best = c;
        }
      }
      return best;
    },
  };
}
