import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refusals } from './refusals.ts';

const waits = (ms: Record<string, number>) => (d: string) => ms[d];

test('the drops make the NoRoute: busy first, then limits with the soonest room or hold, then shortest hold', () => {
  const r = new Refusals();
  assert.deepEqual(r.noRoute(), { reason: 'all_cooling_down', retryAfterMs: 1000 }, 'nothing held: 1 s');
  r.note({ reason: 'all_cooling_down', waitMs: waits({ a: 7000, b: 3000 }) }, ['a', 'b', 'c'], ['c'], 1);
  assert.deepEqual(r.noRoute(), { reason: 'all_cooling_down', retryAfterMs: 3000 });
  r.note({ reason: 'deployment_limit', waitMs: waits({ c: 5000 }) }, ['c'], [], 0);
  assert.deepEqual(r.noRoute(), { reason: 'deployment_limit', retryAfterMs: 3000 });
  assert.equal(r.busy(), false);
  r.note({ reason: 'busy', waitMs: () => 0 }, ['x', 'y'], ['y'], 1);
  assert.equal(r.busy(), true);
  assert.deepEqual(r.noRoute(), { reason: 'busy', retryAfterMs: 0 });
  r.clear();
  assert.deepEqual(r.noRoute(), { reason: 'all_cooling_down', retryAfterMs: 1000 });
});
