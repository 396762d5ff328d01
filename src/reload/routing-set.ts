/**
 * The part of the gateway a config reload rebuilds: the model groups and their deployments, one immutable
 * value the ingress reads through one reference per request (src/gateway.ts holds it). Everything else the
 * gateway builds once.
 *
 * Identity: a deployment is its `id` (`model_info.id`, else `<model_name>-<n>`, src/config/normalize.ts). One
 * whose normalised config is unchanged is kept whole — the same Deployment (cooldown, rpm/tpm windows, in
 * flight), pool, load model and back-pressure engine slot. A changed one is a new deployment under the same
 * id (the old one drains); when it is still the same engine (../routing/same-engine.ts) its load model and
 * back pressure's engine gate carry over. A group is kept (the same ModelGroup and strategy state) when its
 * members are the same deployments in the same order; back pressure keeps a group's state by name.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ClusterState } from '../cluster/types.ts';
import type { LoadSourceConfig } from '../config/load-source.ts';
import type { CooldownConfig, DeploymentConfig } from '../config/types.ts';
import type { FleetLoad } from '../load/fleet.ts';
import type { Upstream } from '../pipeline/attempt-starter.ts';
import { Deployment } from '../routing/deployment.ts';
import { type GroupOptions, hasLoad, ModelGroup } from '../routing/group.ts';
import { sameEngine } from '../routing/same-engine.ts';
import type { StrategyEntry } from '../routing/strategies/registry.ts';
import { basePath, createPool } from '../upstream/pools.ts';
import type { Clock } from '../util/clock.ts';
import type { Random } from '../util/random.ts';

export interface RoutingSet {
  readonly groups: ReadonlyMap<string, ModelGroup>;
  readonly deployments: readonly Deployment[];
  readonly byId: ReadonlyMap<string, Deployment>;
}

/** What building a routing set needs besides the deployments' configs: built once with the gateway. */
export interface RoutingParts {
  cooldown: CooldownConfig;
  clock: Clock;
  random: Random;
  cluster: ClusterState;
  strategy: StrategyEntry;
  /** The fleet's load model, when kept (src/pipeline/load-needs.ts). */
  fleet: FleetLoad | undefined;
  /** An engine's load settings when it has no `spillway.load` (back pressure's capacity settings). */
  defaultLoad: LoadSourceConfig | undefined;
  /** Every deployment's upstream; the builder adds the new ones (a removed one's goes with it). */
  upstreams: WeakMap<Deployment, Upstream>;
  /** Tag routing and the health filter, the same for every group. */
  groupOptions: GroupOptions;
}

export interface RoutingChange {
  set: RoutingSet;
  /** Deployments of `previous` not in `set` (removed, or replaced by a changed config): they drain. */
  removed: Deployment[];
  /** Deployments of `set` not in `previous`. */
  added: Deployment[];
}

/** Builds the routing set of `configs`, keeping what `previous` already has unchanged. */
export function buildRouting(
  configs: readonly DeploymentConfig[],
  parts: RoutingParts,
  previous?: RoutingSet,
): RoutingChange {
  const before = new Map(previous?.deployments.map((d) => [d.id, d]));
  const added: Deployment[] = [];
  const deployments = configs.map((c) => {
    const old = before.get(c.id);
    if (old !== undefined && isDeepStrictEqual(old.config, c)) return old;
    const d = new Deployment(c, parts.cooldown, parts.clock, parts.cluster);
    const fleet = parts.fleet;
    // At start-up the fleet was built with every deployment (the cluster's rows are laid out from them).
    if (fleet !== undefined) d.load = previous === undefined ? fleet.engine(c.id) : engineOf(c, old, fleet, parts);
    parts.upstreams.set(d, upstreamOf(c));
    added.push(d);
    return d;
  });
  const kept = new Set(deployments);
  const removed = (previous?.deployments ?? []).filter((d) => !kept.has(d));
  const groups = new Map<string, ModelGroup>();
  for (const name of new Set(configs.map((c) => c.group))) {
    const members = deployments.filter((d) => d.config.group === name);
    const old = previous?.groups.get(name);
    const same = old !== undefined && sameMembers(old.deployments, members);
    groups.set(name, same ? old : newGroup(name, members, parts));
  }
  return { set: { groups, deployments, byId: new Map(deployments.map((d) => [d.id, d])) }, removed, added };
}

/** The same engine under a changed deployment keeps its load; else a new one (replacing any of its id). */
function engineOf(c: DeploymentConfig, old: Deployment | undefined, fleet: FleetLoad, parts: RoutingParts) {
  if (old?.load !== undefined && sameEngine(old.config, c)) return old.load;
  return fleet.add({ ...c, load: c.load ?? parts.defaultLoad });
}

function upstreamOf(c: DeploymentConfig): Upstream {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (c.apiKey) headers.authorization = `Bearer ${c.apiKey}`;
  const pathPrefix = basePath(c);
  return { pool: createPool(c), pathPrefix, rootPrefix: pathPrefix.replace(/\/v1$/, ''), headers };
}

function sameMembers(a: readonly Deployment[], b: readonly Deployment[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function newGroup(name: string, members: Deployment[], parts: RoutingParts): ModelGroup {
  const strategy = parts.strategy;
  if (!strategy.loadAware)
    return new ModelGroup(name, members, strategy.create({ random: parts.random }), parts.groupOptions);
  // A load-aware strategy: loadNeeds keeps the fleet's load model, so every member has its load.
  const engines = members.filter(hasLoad);
  if (engines.length !== members.length)
    throw new Error(`group ${name}: a load-aware strategy needs every engine's load`);
  return new ModelGroup(name, engines, strategy.create({ random: parts.random }), parts.groupOptions);
}
