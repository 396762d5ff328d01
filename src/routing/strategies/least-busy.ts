/**
 * least-busy: the candidate with the fewest in-flight requests (the gateway's own count); ties broken
 * uniformly at random. As a profile: lowest(in_flight) → max-score.
 */
import type { Random } from '../../util/random.ts';
import { maxScore } from '../pickers/max-score.ts';
import { profileStrategy } from '../profile/profile.ts';
import { lowest } from '../scorers/lowest.ts';
import type { DeploymentView, RoutingStrategy } from '../types.ts';

const fewestInFlight = lowest('in-flight', (d: DeploymentView) => d.inFlight);

export function leastBusy(random: Random): RoutingStrategy {
  return profileStrategy<DeploymentView>(
    {
      name: 'least-busy',
      filters: [],
      stages: [{ scorers: [{ scorer: fewestInFlight, weight: 1 }], picker: maxScore }],
    },
    random,
  );
}
