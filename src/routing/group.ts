import type { Deployment } from './deployment.ts';
import type { RouteRequest, RoutingStrategy } from './types.ts';

/** Why no deployment could be chosen; the pipeline turns it into the matching outcome. */
export type NoRoute =
  | { reason: 'deployment_limit'; retryAfterMs: number }
  | { reason: 'all_cooling_down'; retryAfterMs: number }
  | { reason: 'busy'; retryAfterMs: number };

/** Back pressure's per-engine check (levels 2 and 3); a deployment it refuses is skipped as busy. */
export interface RouteGate {
  admits(d: Deployment): boolean;
}

const BUSY: NoRoute = { reason: 'busy', retryAfterMs: 0 };

/**
 * A model group: the deployments a client's `model` maps to, and the strategy that picks among them.
 * Filtering (cooldown, limits, already tried) happens here; the strategy only ranks what is left.
 */
export class ModelGroup {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  readonly strategy: RoutingStrategy<Deployment>;
  /** Set when back pressure is on. */
  gate: RouteGate | undefined = undefined;
  // Reused for every selection: routing is synchronous, so one scratch array per group is safe.
  private readonly scratch: Deployment[] = [];

  constructor(name: string, deployments: Deployment[], strategy: RoutingStrategy) {
    this.name = name;
    this.deployments = deployments;
    this.strategy = strategy as RoutingStrategy<Deployment>;
  }

  /**
   * Picks a deployment for `req`, preferring ones not in `tried` (a retry goes elsewhere when it can; a group
   * of one still retries its only deployment).
   */
  select(req: RouteRequest, tried: readonly Deployment[] | undefined): Deployment | NoRoute {
    const usable = this.scratch;
    usable.length = 0;
    let fallback = 0;
    let limited = false;
    let busy = false;
    const gate = this.gate;
    let waitCooling = Infinity;
    let waitLimit = Infinity;
    for (const d of this.deployments) {
      if (d.isCoolingDown()) {
        waitCooling = Math.min(waitCooling, d.cooldownRemainingMs());
      } else if (!d.hasCapacity()) {
        limited = true;
        waitLimit = Math.min(waitLimit, d.msUntilCapacity());
      } else if (gate !== undefined && !gate.admits(d)) {
        busy = true;
      } else if (tried !== undefined && tried.includes(d)) {
        fallback++;
      } else {
        usable.push(d);
      }
    }
    if (usable.length === 0 && fallback > 0) {
      for (const d of tried!) if (!d.isCoolingDown() && d.hasCapacity() && (gate === undefined || gate.admits(d)) && !usable.includes(d)) usable.push(d);
    }
    const picked = usable.length > 0 ? this.strategy.pick(usable, req) : undefined;
    usable.length = 0;
    if (picked !== undefined) return picked;
    if (busy) return BUSY;
    if (limited) return { reason: 'deployment_limit', retryAfterMs: Math.min(waitLimit, waitCooling) };
    return { reason: 'all_cooling_down', retryAfterMs: waitCooling === Infinity ? 1000 : waitCooling };
  }

  /** Ready when at least one deployment is not cooling down. */
  isUsable(): boolean {
    for (const d of this.deployments) if (!d.isCoolingDown()) return true;
    return false;
  }
}
