import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import { kept } from '../profile/test-support.ts';
import { loadBound, underLoadBound } from './load-bound.ts';

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

test('the filter keeps the engines under the bound, over candidates already rid of busy ones', () => {
  const { fleet, views } = testFleet(3);
  const permits = [0, 0, 0, 0, 1].map((i) => fleet.engine(`e${i}`).reserve());
  const req = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 } as const;
  const bound = loadBound(views, 0.25); // m = 2: ⌈2.5 + 1.41⌉ = 4
  assert.equal(bound, 4);
  const ids = kept(underLoadBound(0.25), views, req).map((v) => v.id);
  assert.deepEqual(
    ids,
    views.filter((v) => v.load.inFlight() < bound).map((v) => v.id),
    'the filter keeps what is under the same bound',
  );
  assert.deepEqual(ids, ['e1', 'e2']);
  for (const p of permits) p.release();
  fleet.assertDrained();
});
