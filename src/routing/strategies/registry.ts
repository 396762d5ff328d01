import type { Random } from '../../util/random.ts';
import type { RoutingStrategy } from '../types.ts';
import { leastBusy } from './least-busy.ts';
import { simpleShuffle } from './simple-shuffle.ts';

/** Everything a strategy factory may need; strategies take what they use. */
export interface StrategyDeps {
  random: Random;
}

export type StrategyFactory = (deps: StrategyDeps) => RoutingStrategy;

const factories = new Map<string, StrategyFactory>([
  ['simple-shuffle', (d) => simpleShuffle(d.random)],
  ['least-busy', (d) => leastBusy(d.random)],
]);

/** Adds a strategy under a name usable as `router_settings.routing_strategy`. */
export function registerStrategy(name: string, factory: StrategyFactory): void {
  factories.set(name, factory);
}

export function strategyNames(): string[] {
  return [...factories.keys()];
}

export function createStrategy(name: string, deps: StrategyDeps): RoutingStrategy {
  const factory = factories.get(name);
  if (!factory) {
    throw new Error(`router_settings.routing_strategy: unknown strategy "${name}" (known: ${strategyNames().join(', ')})`);
  }
  return factory(deps);
}
