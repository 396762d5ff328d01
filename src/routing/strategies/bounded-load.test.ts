import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import { loadBound, rendezvous } from './bounded-load.ts';

test('the bound is ⌈(1 + ε)·m + √m⌉, m = (Σ in-flight + 1) / n over the engines that are not busy', () => {
  const { fleet, views } = testFleet(3, { totalBlocks: 1000, busyKvUsage: 0.5 });
  const bound = (inFlight: number, n: number) => Math.ceil(1.25 * ((inFlight + 1) / n) + Math.sqrt((inFlight + 1) / n));
  assert.equal(loadBound(views, 0.25), 1); // idle: ⌈1.25/3 + √(1/3)⌉ = ⌈0.99⌉
  const permits = [0, 0, 0, 0, 1, 1].map((i) => fleet.engine(`e${i}`).reserve());
  assert.equal(loadBound(views, 0.25), 5); // m = 7/3: ⌈2.92 + 1.53⌉; e0 (4 in flight) is still under it
  assert.equal(loadBound(views, 0.25), bound(6, 3));
  const busy = fleet.engine('e2').reserve(fleet.analyze('g', 'completions', { prompt: 'b'.repeat(4 * 16 * 600) }));
  assert.equal(fleet.engine('e2').isBusy(), true);
  assert.equal(loadBound(views, 0.25), bound(6, 2)); // e2 no longer counts
  assert.equal(loadBound([views[2]], 0.25), 0, 'every candidate busy');
  busy.release();
  for (const p of permits) p.release();
  fleet.assertDrained();
});

test('rendezvous: a key keeps its owner among the same engines, and keys spread over them', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const owner = (key: number, among: string[]) => among.reduce((best, id) => (rendezvous(key, id) > rendezvous(key, best) ? id : best));
  const owners = new Map<string, number>();
  for (let k = 1; k <= 4000; k++) {
    const key = k * 2654435761 * 1024; // above 32 bits, as block hashes are
    const o = owner(key, ids);
    assert.equal(owner(key, ids), o);
    owners.set(o, (owners.get(o) ?? 0) + 1);
    if (o !== 'd') assert.equal(owner(key, ['a', 'b', 'c']), o, 'removing d moves only its keys');
  }
  for (const n of owners.values()) assert.ok(n > 800 && n < 1200, String([...owners]));
});
