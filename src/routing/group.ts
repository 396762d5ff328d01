import { STANDARD, type Priority } from '../admission/priority.ts';
import type { Deployment } from './deployment.ts';
import type { RouteRequest, RoutingStrategy } from './types.ts';
import type { EngineLoad } from '../load/engine-load.ts';

/** Why no deployment could be chosen; the pipeline turns it into the matching outcome. */
export type NoRoute =
  | { reason: 'deployment_limit'; retryAfterMs: number }
  | { reason: 'all_cooling_down'; retryAfterMs: number }
  | { reason: 'busy'; retryAfterMs: number };

/**
 * Back pressure's per-engine check (levels 2 and 3) for a request of class `priority`; a deployment it refuses
 * is skipped as busy. O(1) and allocation-free: it runs for every candidate of every selection.
 */
export interface RouteGate {
  admits(d: Deployment, priority: Priority): boolean;
}

const BUSY: NoRoute = { reason: 'busy', retryAfterMs: 0 };

/**
 * A model group: the deployments a client's `model` maps to, and the strategy that picks among them.
 * Filtering (cooldown, limits, already tried) happens here; the strategy only ranks what is left. When nothing
 * is left but deployments cooling down, it routes to the least failing of them (panic routing, after Envoy's
 * panic threshold) rather than refusing: a cooldown must never turn partial failure into a full outage.
 */
/** A deployment whose engine load the gateway keeps: what a load-aware strategy's group holds. */
export type LoadedDeployment = Deployment & { readonly load: EngineLoad };

export function hasLoad(d: Deployment): d is LoadedDeployment {
  return d.load !== undefined;
}

export class ModelGroup<D extends Deployment = Deployment> {
  readonly name: string;
  readonly deployments: readonly D[];
  readonly strategy: RoutingStrategy<D>;
  /** Set when back pressure is on. */
  gate: RouteGate | undefined = undefined;
  /** Requests routed to a cooling deployment because no other could take them (spillway_panic_routed_total). */
  panicRoutes = 0;
  // Reused for every selection: routing is synchronous, so one scratch array per group is safe.
  private readonly scratch: D[] = [];

  constructor(name: string, deployments: D[], strategy: RoutingStrategy<D>) {
    this.name = name;
    this.deployments = deployments;
    this.strategy = strategy;
    for (const d of deployments) d.peers = deployments;
  }

  /**
   * Picks a deployment for `req`, preferring ones not in `tried` (a retry goes elsewhere when it can; a group
   * of one still retries its only deployment).
   */
  select(req: RouteRequest, tried: readonly D[] | undefined): D | NoRoute {
    const usable = this.scratch;
    usable.length = 0;
    let fallback = 0;
    let limited = false;
    let busy = false;
    const gate = this.gate;
    const p = req.priority ?? STANDARD;
    let panicable = 0;
    let waitHold = Infinity;
    let waitLimit = Infinity;
    for (const d of this.deployments) {
      const cooling = d.isCoolingDown();
      const hold = cooling ? d.holdRemainingMs() : 0;
      if (hold > 0) {
        waitHold = Math.min(waitHold, hold);
      } else if (!d.hasCapacity()) {
        limited = true;
        waitLimit = Math.min(waitLimit, d.msUntilCapacity());
      } else if (gate !== undefined && !gate.admits(d, p)) {
        busy = true;
      } else if (cooling) {
        panicable++;
      } else if (tried !== undefined && tried.includes(d)) {
        fallback++;
      } else {
        usable.push(d);
      }
    }
    if (usable.length === 0 && fallback > 0) {
      for (const d of tried!) if (!d.isCoolingDown() && d.hasCapacity() && (gate === undefined || gate.admits(d, p)) && !usable.includes(d)) usable.push(d);
    }
    let picked = usable.length > 0 ? this.strategy.pick(usable, req) : undefined;
    usable.length = 0;
    // Busy engines free up within moments (back pressure queues for them): cooling ones are the last resort.
    if (picked === undefined && panicable > 0 && !busy) picked = this.panic(req, tried, false) ?? this.panic(req, tried, true);
    if (picked !== undefined) return picked;
    if (busy) return BUSY;
    if (limited) return { reason: 'deployment_limit', retryAfterMs: Math.min(waitLimit, waitHold) };
    // Every deployment is cooling down on an upstream's own Retry-After: the one case still refused.
    return { reason: 'all_cooling_down', retryAfterMs: waitHold === Infinity ? 1000 : waitHold };
  }

  /**
   * Panic routing: among the cooling deployments no upstream Retry-After holds, with room under their limits,
   * the least failing ones (ties all kept) go to the strategy. A retry prefers ones not tried, then any.
   */
  private panic(req: RouteRequest, tried: readonly D[] | undefined, withTried: boolean): D | undefined {
    const candidates = this.scratch;
    candidates.length = 0;
    const gate = this.gate;
    const p = req.priority ?? STANDARD;
    let best = Infinity;
    for (const d of this.deployments) {
      if (!d.isPanicCandidate() || !d.hasCapacity() || (gate !== undefined && !gate.admits(d, p))) continue;
      if (!withTried && tried !== undefined && tried.includes(d)) continue;
      const score = d.failureScore();
      if (score < best) {
        best = score;
        candidates.length = 0;
      }
      if (score === best) candidates.push(d);
    }
    const picked = candidates.length > 0 ? this.strategy.pick(candidates, req) : undefined;
    candidates.length = 0;
    if (picked !== undefined) this.panicRoutes++;
    return picked;
  }
}
