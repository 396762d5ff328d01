import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../util/random.ts';
import { GradientLimit } from './gradient.ts';
import { createLimit } from './registry.ts';
import { SmallerOf } from './smaller-of.ts';
import { DEFAULT_PARAMS as params, sampleOf } from './test-params.ts';
import type { ConcurrencyLimit, LimitSample } from './types.ts';
import { WindowedLimit } from './windowed.ts';

const sample = (inFlight: number, o: Partial<LimitSample> = {}): LimitSample => sampleOf({ inFlight, ...o });

/** A part that records what reached it and holds a fixed limit. */
function part(limit: number, withCompleted: boolean): ConcurrencyLimit & { seen: string[] } {
  const seen: string[] = [];
  const p = {
    name: 'p',
    limit,
    seen,
    update: (s: LimitSample) => void seen.push(`update ${s.rtt}`),
  } as ConcurrencyLimit & { seen: string[] };
  if (withCompleted)
    (p as { completed?: ConcurrencyLimit['completed'] }).completed = (_n, e) => void seen.push(`completed ${e}`);
  return p;
}

test('the smaller binds; both halves see samples; a non-streamed end is blind for a half lacking completed()', () => {
  const a = part(30, false);
  const b = part(12, true);
  const l = new SmallerOf('x', a, b);
  assert.equal(l.limit, 12);
  l.update(sample(3, { rtt: 40, ttftMs: 40 }));
  l.completed(0, 250, NaN, sample(3));
  l.completed(0, 300, 20, sample(3, { ttftMs: 40 }));
  assert.deepEqual(a.seen, ['update 40', 'update NaN']);
  assert.deepEqual(b.seen, ['update 40', 'completed 250', 'completed 300']);
});

test('gradient with blind samples only (an upstream not streaming): a limit reached doubles, a drop shrinks it', () => {
  let now = 0;
  const g = new WindowedLimit(new GradientLimit(params, seededRandom(1)), () => now, 10, 100);
  const feed = (inFlight: number, dropped = false) => {
    for (let i = 0; i < 10; i++) {
      now += 15;
      g.update(sample(inFlight, { dropped, rtt: dropped ? 50 : NaN }));
    }
  };
  feed(16);
  assert.equal(g.limit, 32);
  feed(32);
  feed(64);
  assert.equal(g.limit, 128);
  feed(40); // not reached: no change
  assert.equal(g.limit, 128);
  feed(128, true);
  assert.ok(
    Math.abs(g.limit - (128 * 0.8 + 64 * 0.2)) < 1e-9,
    'a drop: toward half, smoothed as gradient smooths every decrease',
  );
});

test('gradient-slo is registered and starts at the initial limit', () => {
  const l = createLimit('gradient-slo', params, { clock: () => 0, random: seededRandom(1) });
  assert.equal(l.name, 'gradient-slo');
  assert.equal(l.limit, 16);
});
