import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import { FixedLimit } from './fixed.ts';
import { GradientLimit } from './gradient.ts';
import { Gradient2Limit } from './gradient2.ts';
import { SloLimit } from './slo.ts';
import { SmallerOf } from './smaller-of.ts';
import type { ConcurrencyLimit, LimitParams } from './types.ts';
import { VegasLimit } from './vegas.ts';
import { WindowedLimit } from './windowed.ts';

export type { ConcurrencyLimit, LimitParams, LimitSample } from './types.ts';

export interface LimitDeps {
  clock: Clock;
  random: Random;
}

interface Factory {
  create(p: LimitParams, d: LimitDeps): ConcurrencyLimit;
  /** Fed one window at a time through WindowedLimit (the others keep their own windows, or need none). */
  windowed: boolean;
}

const factories = new Map<string, Factory>([
  ['gradient', { create: (p, d) => new GradientLimit(p, d.random), windowed: true }],
  ['gradient2', { create: (p) => new Gradient2Limit(p), windowed: true }],
  ['vegas', { create: (p, d) => new VegasLimit(p, d.random), windowed: true }],
  ['fixed', { create: (p) => new FixedLimit(p), windowed: false }],
  ['slo', { create: (p, d) => new SloLimit(p, d.clock), windowed: false }],
  [
    'gradient-slo',
    {
      create: (p, d) =>
        new SmallerOf('gradient-slo', windowed(new GradientLimit(p, d.random), p, d), new SloLimit(p, d.clock)),
      windowed: false,
    },
  ],
]);

function windowed(limit: ConcurrencyLimit, p: LimitParams, d: LimitDeps): ConcurrencyLimit {
  return p.windowSamples > 1 ? new WindowedLimit(limit, d.clock, p.windowSamples, p.windowMinMs) : limit;
}

export function limitNames(): string[] {
  return [...factories.keys()];
}

/** A limit by name (`backpressure.engine.limit.algorithm`), windowed unless `windowSamples` ≤ 1. */
export function createLimit(name: string, p: LimitParams, d: LimitDeps): ConcurrencyLimit {
  const f = factories.get(name);
  if (f === undefined)
    throw new Error(
      `backpressure.engine.limit.algorithm: unknown algorithm "${name}" (known: ${limitNames().join(', ')})`,
    );
  const limit = f.create(p, d);
  return f.windowed ? windowed(limit, p, d) : limit;
}
