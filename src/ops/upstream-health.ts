import type { CooldownConfig } from '../config/types.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { ModelGroup } from '../routing/group.ts';

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function deploymentHealth(d: Deployment) {
  const now = performance.now();
  const requests = d.outcomes.requests(now);
  const cooling = d.isCoolingDown();
  return {
    id: d.id,
    state: cooling ? 'cooling_down' : d.hasCapacity() ? 'healthy' : 'at_limit',
    in_flight: d.inFlight,
    window_requests: requests,
    window_failures: d.outcomes.failures(now),
    failure_rate: round(d.outcomes.failureRate(now), 4),
    cooldown_remaining_ms: Math.ceil(d.cooldownRemainingMs()),
    retry_after_hold_ms: Math.ceil(d.holdRemainingMs()),
    ejections: d.ejections,
    ejections_prevented: d.ejectionsPrevented,
    last_ejection:
      d.lastEjection === undefined
        ? null
        : {
            status: d.lastEjection.status,
            failure_rate: round(d.lastEjection.failureRate, 4),
            requests: d.lastEjection.requests,
          },
  };
}

/**
 * GET /health/upstreams: what the gateway knows about its upstreams, per group and deployment. Informational:
 * it answers 200 whatever their state (readiness is about this process, not its upstreams).
 */
export function upstreamHealth(groups: readonly ModelGroup[], cooldown: CooldownConfig): string {
  return JSON.stringify({
    cooldown_policy: cooldown.policy,
    window_ms: cooldown.windowMs,
    model_groups: groups.map((g) => {
      const ds = g.deployments.map(deploymentHealth);
      return {
        name: g.name,
        deployments_total: ds.length,
        deployments_cooling_down: ds.filter((h) => h.state === 'cooling_down').length,
        panic_routed: g.panicRoutes,
        deployments: ds,
      };
    }),
  });
}
