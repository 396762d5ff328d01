import type { ClusterEvents } from '../cluster/types.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { BackPressure } from './backpressure/controller.ts';

/**
 * Applies here what the cluster's other instances learned: their cooldowns on our deployments, and their
 * engine penalties on our engine gates (back pressure). Wall-clock times become each gate's clock.
 */
export function applyClusterEvents(
  events: ClusterEvents,
  byId: (id: string) => Deployment | undefined,
  backpressure: BackPressure | undefined,
): void {
  events.onCooldown((id, untilWallMs, holdUntilWallMs) => byId(id)?.applyCooldown(untilWallMs, holdUntilWallMs));
  if (backpressure === undefined) return;
  events.onPenalty((id, untilWallMs) => {
    const d = byId(id);
    const gate = d && backpressure.slots.get(d)?.gate;
    if (gate === undefined) return;
    const now = backpressure.clock();
    const ms = untilWallMs - Date.now();
    if (ms > 0) gate.penalize(now, ms);
  });
}
