/**
 * The routing strategies by `router_settings.routing_strategy` name: a typed, immutable registry the gateway
 * builds when it loads the config (the built-ins, plus any the embedder passes). A load-aware entry creates a
 * strategy over EngineView, so only engines that carry their load can be handed to it.
 */
import type { Random } from '../../util/random.ts';
import type { DeploymentView, EngineView, RoutingStrategy } from '../types.ts';
import { costBased } from './cost-based.ts';
import { kvAware } from './kv-aware.ts';
import { latencyBased } from './latency-based.ts';
import { leastBusy } from './least-busy.ts';
import { leastKv } from './least-kv.ts';
import { prefixHash } from './prefix-hash.ts';
import { simpleShuffle } from './simple-shuffle.ts';

/** Everything a strategy factory may need; strategies take what they use. */
export interface StrategyDeps {
  random: Random;
}

/**
 * `loadAware`: the strategy reads each candidate's `load` (src/load) and the request's `prompt`: the gateway
 * then keeps the fleet's load model and analyses every prompt. Strategies that do not need it pay nothing.
 */
export type StrategyEntry =
  | { readonly loadAware: false; create(deps: StrategyDeps): RoutingStrategy<DeploymentView> }
  | { readonly loadAware: true; create(deps: StrategyDeps): RoutingStrategy<EngineView> };

export type StrategyRegistry = ReadonlyMap<string, StrategyEntry>;

const BUILT_IN: Readonly<Record<string, StrategyEntry>> = Object.freeze({
  'simple-shuffle': { loadAware: false, create: (d) => simpleShuffle(d.random) },
  'least-busy': { loadAware: false, create: (d) => leastBusy(d.random) },
  'kv-aware': { loadAware: true, create: (d) => kvAware({ random: d.random }) },
  'least-kv': { loadAware: true, create: (d) => leastKv(d.random) },
  'prefix-hash': { loadAware: true, create: (d) => prefixHash({ random: d.random }) },
  // LiteLLM's other names, mapped onto what Spillway measures (docs/ROUTING.md, "LiteLLM's strategy names").
  'latency-based-routing': { loadAware: true, create: (d) => latencyBased(d.random) },
  // LiteLLM spreads tokens per minute; the requests in flight are the load those tokens become.
  'usage-based-routing': { loadAware: false, create: (d) => leastBusy(d.random) },
  'usage-based-routing-v2': { loadAware: false, create: (d) => leastBusy(d.random) },
  'cost-based-routing': { loadAware: false, create: (d) => costBased(d.random) },
});

/**
 * The built-in strategies, and `extra` ones (tests, embedders) under their own names; a clash is a misconfiguration.
 */
export function strategyRegistry(extra: Readonly<Record<string, StrategyEntry>> = {}): StrategyRegistry {
  for (const name of Object.keys(extra))
    if (name in BUILT_IN) throw new Error(`routing strategy "${name}" is built in`);
  return new Map(Object.entries({ ...BUILT_IN, ...extra }));
}

export function strategyNames(registry: StrategyRegistry = strategyRegistry()): string[] {
  return [...registry.keys()];
}

export function strategyEntry(registry: StrategyRegistry, name: string): StrategyEntry {
  const entry = registry.get(name);
  if (!entry) {
    throw new Error(
      `router_settings.routing_strategy: unknown strategy "${name}" (known: ${strategyNames(registry).join(', ')})`,
    );
  }
  return entry;
}
