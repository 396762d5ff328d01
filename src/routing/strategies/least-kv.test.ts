import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import { seededRandom } from '../../util/random.ts';
import type { RouteRequest } from '../types.ts';
import { leastKv } from './least-kv.ts';

const REQ: RouteRequest = { group: 'g', endpoint: 'chat', stream: false, body: {}, bodyBytes: 0 };

test('picks the lowest KV use as a share of capacity, from the reconciled view', () => {
  const { fleet, views } = testFleet(3, { totalBlocks: 1000 });
  const strategy = leastKv(seededRandom(1));
  // e0: 300 blocks reported; e1: 100 reported + a 256-block dispatch since; e2: 200 reported.
  const report = (id: string, used: number) => {
    const e = fleet.engine(id);
    e.report({ kvBlocksUsed: used, kvBlocksTotal: 1000, blockSize: 16 }, e.markSample());
  };
  report('e0', 300);
  report('e1', 100);
  report('e2', 200);
  assert.equal(strategy.pick(views, REQ)?.id, 'e1');
  const p = fleet.engine('e1').reserve(fleet.analyze('g', 'completions', { prompt: 'k'.repeat(16 * 4 * 256) }));
  assert.equal(fleet.engine('e1').kvBlocksUsed(), 356);
  assert.equal(strategy.pick(views, REQ)?.id, 'e2');
  p.release();
});

test('without KV capacity: in-flight over max_parallel_requests; busy engines skipped; ties random', () => {
  const { fleet, views } = testFleet(2);
  const strategy = leastKv(seededRandom(2));
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) seen.add(strategy.pick(views, REQ)!.id);
  assert.equal(seen.size, 2);
  const p = fleet.engine('e0').reserve();
  assert.equal(strategy.pick(views, REQ)?.id, 'e1');
  p.release();

  const full = testFleet(2, { totalBlocks: 10, busyKvUsage: 0.5 });
  const q = full.fleet.engine('e0').reserve(full.fleet.analyze('g', 'completions', { prompt: 'b'.repeat(16 * 4 * 6) }));
  const r = full.fleet.engine('e1').reserve(full.fleet.analyze('g', 'completions', { prompt: 'c'.repeat(16 * 4 * 9) }));
  assert.equal(leastKv(seededRandom(3)).pick(full.views, REQ), undefined);
  q.release();
  r.release();
});

test("a report past its freshness is not read, each engine's dated by its own clock", () => {
  // The scorer reads the first candidate's clock once per decision; b is on another clock, 2 s ahead.
  const a = testFleet(1, { totalBlocks: 1000 });
  const b = testFleet(1, { totalBlocks: 1000 });
  const report = (fleet: typeof a.fleet, used: number) => {
    const e = fleet.engine('e0');
    e.report({ kvBlocksUsed: used, kvBlocksTotal: 1000, blockSize: 16 }, e.markSample());
  };
  report(a.fleet, 100);
  report(b.fleet, 900);
  const views = [
    { ...a.views[0], id: 'a' },
    { ...b.views[0], id: 'b' },
  ];
  const strategy = leastKv(seededRandom(4));
  assert.equal(strategy.pick(views, REQ)?.id, 'a');
  b.advance(2000);
  assert.equal(strategy.pick(views, REQ)?.id, 'b', "b's stale 900 blocks are not read: nothing predicted there");
});
