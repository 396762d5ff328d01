import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import { FixedLimit } from './fixed.ts';
import { GradientLimit } from './gradient.ts';
import { Gradient2Limit } from './gradient2.ts';
import type { ConcurrencyLimit, LimitParams } from './types.ts';
import { VegasLimit } from './vegas.ts';
import { WindowedLimit } from './windowed.ts';

export type { ConcurrencyLimit, LimitParams, LimitSample } from './types.ts';

export interface LimitDeps {
  clock: Clock;
  random: Random;
}

const factories = new Map<string, (p: LimitParams, d: LimitDeps) => ConcurrencyLimit>([
  ['gradient', (p, d) => new GradientLimit(p, d.random)],
  ['gradient2', (p) => new Gradient2Limit(p)],
  ['vegas', (p, d) => new VegasLimit(p, d.random)],
  ['fixed', (p) => new FixedLimit(p)],
]);

export function limitNames(): string[] {
  return [...factories.keys()];
}

/** A limit by name (`backpressure.engine.limit.algorithm`), windowed unless `windowSamples` ≤ 1. */
export function createLimit(name: string, p: LimitParams, d: LimitDeps): ConcurrencyLimit {
  const f = factories.get(name);
  if (f === undefined) throw new Error(`backpressure.engine.limit.algorithm: unknown algorithm "${name}" (known: ${limitNames().join(', ')})`);
  const limit = f(p, d);
  return p.windowSamples > 1 && name !== 'fixed' ? new WindowedLimit(limit, d.clock, p.windowSamples, p.windowMinMs) : limit;
}
