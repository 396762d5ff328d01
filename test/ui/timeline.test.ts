// The page's five-minute store, in Node (no browser): live snapshots thinned to one a second with the latest
// kept as the tail, points older than five minutes dropped, and the charts' series summed over the groups shown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timeline } from '../../src/ops/ui/page/assets/timeline.js';
import { snapshot } from './synthetic.ts';

const SHAPE = { groups: 2, engines: 4 };
const load = (multiple: number) => ({
  multiple,
  ratePerS: 100 * multiple,
  capacityPerS: 100,
  capacitySource: 'test',
  burstUntil: null,
});

test('live snapshots are thinned to one a second, the latest kept as the tail', () => {
  const tl = new Timeline();
  tl.reset([snapshot(SHAPE, 0, load(1)), snapshot(SHAPE, 1000, load(1))]);
  tl.add(snapshot(SHAPE, 1250, load(1)));
  tl.add(snapshot(SHAPE, 1500, load(1)));
  assert.deepEqual(
    tl.all().map((s) => s.t),
    [0, 1000, 1500],
  );
  tl.add(snapshot(SHAPE, 2000, load(1)));
  assert.deepEqual(
    tl.all().map((s) => s.t),
    [0, 1000, 2000],
  );
});

test('points older than five minutes are dropped', () => {
  const tl = new Timeline();
  for (let s = 0; s <= 400; s++) tl.add(snapshot(SHAPE, s * 1000, load(1)));
  const ts = tl.all().map((s) => s.t);
  assert.equal(ts[0], 100_000);
  assert.equal(ts[ts.length - 1], 400_000);
});

test('series: sums over all groups or one, refusals by code, the worst group attainment', () => {
  const tl = new Timeline();
  tl.reset([snapshot(SHAPE, 0, load(1)), snapshot(SHAPE, 1000, load(4))]);
  const all = tl.series('');
  assert.deepEqual(all.xs, [-1, 0]);
  const one = snapshot(SHAPE, 1000, load(4));
  const admitted = one.groups.reduce((a, g) => a + g.admittedPerS, 0);
  assert.deepEqual(all.charts.throughput[0].ys, [admitted, admitted]);
  const codes = all.charts.refused.map((s) => s.name);
  assert.deepEqual(codes, Object.keys(one.groups[0].refusedPerS).sort());
  for (const s of all.charts.refused) {
    const sum = one.groups.reduce((a, g) => a + (g.refusedPerS[s.name] ?? 0), 0);
    assert.deepEqual(s.ys, [0, sum]);
  }
  const name = one.groups[1].name;
  assert.deepEqual(tl.series(name).charts.throughput[0].ys, [one.groups[1].admittedPerS, one.groups[1].admittedPerS]);
  assert.deepEqual(all.charts.attainment[0].ys, [0.999, 0.985]);
});
