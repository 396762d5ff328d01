import type { Random } from '../../util/random.ts';
import type { RoutingStrategy } from '../types.ts';
import { kvAware } from './kv-aware.ts';
import { leastBusy } from './least-busy.ts';
import { leastKv } from './least-kv.ts';
import { prefixHash } from './prefix-hash.ts';
import { simpleShuffle } from './simple-shuffle.ts';

/** Everything a strategy factory may need; strategies take what they use. */
export interface StrategyDeps {
  random: Random;
}

export interface StrategyEntry {
  create(deps: StrategyDeps): RoutingStrategy;
  /**
   * The strategy reads each candidate's `load` (src/load) and the request's `prompt`: the gateway then keeps
   * the fleet's load model and analyses every prompt. Strategies that do not need it pay nothing for it.
   */
  loadAware: boolean;
}

// Load-aware strategies are typed over EngineView; the gateway guarantees every deployment carries its load
// whenever one of them is configured, which is what the cast stands for.
const entries = new Map<string, StrategyEntry>([
  ['simple-shuffle', { create: (d) => simpleShuffle(d.random), loadAware: false }],
  ['least-busy', { create: (d) => leastBusy(d.random), loadAware: false }],
  ['kv-aware', { create: (d) => kvAware({ random: d.random }) as unknown as RoutingStrategy, loadAware: true }],
  ['least-kv', { create: (d) => leastKv(d.random) as unknown as RoutingStrategy, loadAware: true }],
  ['prefix-hash', { create: (d) => prefixHash({ random: d.random }) as unknown as RoutingStrategy, loadAware: true }],
]);

/** Adds a strategy under a name usable as `router_settings.routing_strategy`. */
export function registerStrategy(name: string, entry: StrategyEntry): void {
  entries.set(name, entry);
}

export function strategyNames(): string[] {
  return [...entries.keys()];
}

export function strategyEntry(name: string): StrategyEntry {
  const entry = entries.get(name);
  if (!entry) {
    throw new Error(`router_settings.routing_strategy: unknown strategy "${name}" (known: ${strategyNames().join(', ')})`);
  }
  return entry;
}

export function createStrategy(name: string, deps: StrategyDeps): RoutingStrategy {
  return strategyEntry(name).create(deps);
}
