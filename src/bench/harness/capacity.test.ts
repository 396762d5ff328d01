import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCapacity } from './capacity.ts';

test('brackets by doubling, then bisects to the tolerance', async () => {
  const r = await findCapacity(async (rate) => rate <= 57, { start: 10, maxProbes: 20, tolerance: 0.05 });
  assert.ok(r.capacity <= 57 && r.capacity >= 57 / 1.05, `capacity ${r.capacity}`);
  assert.deepEqual(
    r.probes.slice(0, 4).map((p) => p.rate),
    [10, 20, 40, 80],
  );
});

test('halves from a start that fails; a probe budget bounds the search', async () => {
  const r = await findCapacity(async (rate) => rate <= 3, { start: 40, maxProbes: 20, tolerance: 0.1 });
  assert.ok(r.capacity <= 3 && r.capacity > 2.7, `capacity ${r.capacity}`);
  const budget = await findCapacity(async (rate) => rate <= 3, { start: 40, maxProbes: 2, tolerance: 0.1 });
  assert.equal(budget.probes.length, 2);
  assert.equal(budget.capacity, 0, 'nothing passed within the budget');
  const capped = await findCapacity(async () => true, { start: 10, maxProbes: 9, tolerance: 0.1, max: 25 });
  assert.equal(capped.capacity, 25);
  assert.deepEqual(
    capped.probes.map((p) => p.rate),
    [10, 20, 25],
  );
});

test('a smaller factor brackets a good guess in fewer probes', async () => {
  const r = await findCapacity(async (rate) => rate <= 22, { start: 20, maxProbes: 4, tolerance: 0.12, factor: 1.25 });
  assert.deepEqual(
    r.probes.map((p) => `${p.rate} ${p.pass}`),
    ['20 true', '25 false', '22.5 false', '21.25 true'],
  );
  assert.equal(r.capacity, 21.25);
  const down = await findCapacity(async (rate) => rate <= 15, {
    start: 20,
    maxProbes: 3,
    tolerance: 0.12,
    factor: 1.25,
  });
  assert.deepEqual(
    down.probes.map((p) => p.rate),
    [20, 16, 12.8],
  );
  assert.equal(down.capacity, 12.8);
});
