import { STANDARD } from '../admission/priority.ts';
import type { TagRouting } from '../config/types.ts';
import type { EngineLoad } from '../load/engine-load.ts';
import type { Deployment } from './deployment.ts';
import { cooldownHold } from './group-filters/cooldown-hold.ts';
import { cooling, inRotation } from './group-filters/cooling.ts';
import { engineGate } from './group-filters/engine-gate.ts';
import { healthy } from './group-filters/healthy.ts';
import { leastFailing } from './group-filters/least-failing.ts';
import { limits } from './group-filters/limits.ts';
import { untried, untriedElseTried } from './group-filters/not-tried.ts';
import { lowestOrder } from './group-filters/order.ts';
import { cutTo } from './profile/scratch.ts';
import { Refusals } from './refusals.ts';
import type { GroupFilter, NoRoute, RouteGate, Selection } from './selection.ts';
import { TagPool } from './tag-pool.ts';
import type { RouteRequest, RoutingStrategy } from './types.ts';

export type { NoRoute, RouteGate } from './selection.ts';

/** A deployment whose engine load the gateway keeps: what a load-aware strategy's group holds. */
export type LoadedDeployment = Deployment & { readonly load: EngineLoad };

export function hasLoad(d: Deployment): d is LoadedDeployment {
  return d.load !== undefined;
}

type Filters = readonly GroupFilter<Deployment>[];
const PANIC_UNTRIED: Filters = [untried, leastFailing];
const PANIC_ANY: Filters = [leastFailing];
const NO_TAG_MATCH: NoRoute = { reason: 'no_tag_match', retryAfterMs: 0 };

/** What a group routes by besides its strategy, from the config; each part is left out of the stages when off. */
export interface GroupOptions {
  /** Tag-based routing (./tag-pool.ts), when router_settings.enable_tag_filtering is on. */
  tags?: TagRouting;
  /** Active health checks are on: unhealthy deployments leave routing (./group-filters/healthy.ts). */
  healthChecked?: boolean;
}

/**
 * A model group: the deployments a client's `model` maps to, and the strategy that picks among them. The
 * group's own filters (./group-filters/) run before the strategy's, in stages; the first that picks decides:
 *
 *   rotation     [healthy] → in-rotation → limits → engine-gate → untried-else-tried → [order]     → strategy
 *   panic        [healthy] → cooling → cooldown-hold → limits → engine-gate → [order] → untried
 *                → least-failing                                                                  → strategy
 *   panic, any   the same without untried
 *
 * With tag-based routing on, the stages run over the deployments the request's tags allow (./tag-pool.ts);
 * `healthy` is in the stages only while active health checks are on, `order` only when a deployment of the
 * group has one.
 *
 * Panic routing (after Envoy's panic threshold) sends to the least failing cooling deployments when nothing
 * in rotation takes the request: a cooldown must never turn partial failure into a full outage. It waits while
 * an engine gate refuses any deployment: busy engines free up within moments (back pressure queues for them),
 * so cooling ones are the last resort. With no pick, the drops of the filters that refuse make the NoRoute.
 * The engine gate is in the stages only while back pressure is on.
 */
export class ModelGroup<D extends Deployment = Deployment> {
  readonly name: string;
  readonly deployments: readonly D[];
  readonly strategy: RoutingStrategy<D>;
  /** Requests routed to a cooling deployment because no other could take them (spillway_panic_routed_total). */
  panicRoutes = 0;
  private routeGate: RouteGate | undefined = undefined;
  // A first attempt has nothing tried to steer away from: its rotation leaves that filter out.
  private firstTry: Filters = [];
  private rotation: Filters = [];
  private panicking: Filters = [];
  private readonly healthChecked: boolean;
  private readonly ordered: boolean;
  private readonly tags: TagPool<D> | undefined;
  private readonly refusals = new Refusals();
  private readonly selection: Selection<D> = { priority: STANDARD, tried: undefined };
  // Scratch lists, one per filter position, reused for every selection: routing is synchronous.
  private readonly lists: D[][] = Array.from({ length: 10 }, (): D[] => []);

  constructor(name: string, deployments: D[], strategy: RoutingStrategy<D>, options: GroupOptions = {}) {
    this.name = name;
    this.deployments = deployments;
    this.strategy = strategy;
    this.healthChecked = options.healthChecked === true;
    this.ordered = deployments.some((d) => d.config.order !== undefined);
    this.tags = options.tags === undefined ? undefined : new TagPool(deployments, options.tags);
    for (const d of deployments) d.peers = deployments;
    this.buildStages();
  }

  /** Back pressure's route gate, set when back pressure is on. */
  get gate(): RouteGate | undefined {
    return this.routeGate;
  }

  set gate(gate: RouteGate | undefined) {
    this.routeGate = gate;
    this.buildStages();
  }

  private buildStages(): void {
    const checked: Filters = this.healthChecked ? [healthy] : [];
    const admitted: Filters = this.routeGate === undefined ? [] : [engineGate(this.routeGate)];
    const tiers: Filters = this.ordered ? [lowestOrder] : [];
    this.firstTry = [...checked, inRotation, limits, ...admitted, ...tiers];
    this.rotation = [...checked, inRotation, limits, ...admitted, untriedElseTried, ...tiers];
    this.panicking = [...checked, cooling, cooldownHold, limits, ...admitted, ...tiers];
  }

  /**
   * Picks a deployment for `req`, preferring ones not in `tried` (a retry goes elsewhere when it can; a group
   * of one still retries its only deployment).
   */
  select(req: RouteRequest, tried: readonly D[] | undefined): D | NoRoute {
    const pool = this.tags === undefined ? this.deployments : this.tags.pool(req);
    if (pool.length === 0) return NO_TAG_MATCH;
    const sel = this.selection;
    sel.priority = req.priority ?? STANDARD;
    sel.tried = tried;
    this.refusals.clear();
    let picked = this.pick(this.narrow(pool, tried === undefined ? this.firstTry : this.rotation, 0), req);
    if (picked === undefined) picked = this.panic(pool, req);
    sel.tried = undefined;
    return picked ?? this.refusals.noRoute();
  }

  private panic(pool: readonly D[], req: RouteRequest): D | undefined {
    // Checked before the cooling ones are even listed: a refusal at a busy engine (back pressure's common
    // case) then reads no deployment's cooldown a second time.
    if (this.refusals.busy()) return undefined;
    const cool = this.narrow(pool, this.panicking, 0);
    if (cool.length === 0 || this.refusals.busy()) return undefined;
    const at = this.panicking.length;
    const picked =
      this.pick(this.narrow(cool, PANIC_UNTRIED, at), req) ?? this.pick(this.narrow(cool, PANIC_ANY, at), req);
    if (picked !== undefined) this.panicRoutes++;
    return picked;
  }

  private pick(list: readonly D[], req: RouteRequest): D | undefined {
    return list.length > 0 ? this.strategy.pick(list, req) : undefined;
  }

  /** Runs `filters` over `list` into the scratch lists from position `at` on, noting the refusing drops. */
  private narrow(list: readonly D[], filters: Filters, at: number): readonly D[] {
    for (let k = 0; k < filters.length && list.length > 0; k++) {
      const f = filters[k];
      const out = this.lists[at + k];
      const kept = f.filter(list, this.selection, out);
      if (kept < list.length && f.drops !== undefined) this.refusals.note(f.drops, list, out, kept);
      list = cutTo(out, kept);
    }
    return list;
  }
}
