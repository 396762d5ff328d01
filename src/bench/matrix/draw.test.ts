import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseSpeedup, drawFleet, drawFleets, type FleetSpec, isExcluded, REGIMES } from './draw.ts';

test("the matrix is the same for the same seed, stratified by regime, and never our other benchmarks' fleet", () => {
  const a = drawFleets(11, 8);
  assert.deepEqual(drawFleets(11, 8), a);
  assert.deepEqual(drawFleet(11, 5, REGIMES[5 % 4]), a[5], '--fleet 5 draws fleet 5 of the matrix');
  assert.deepEqual(
    a.map((f) => f.regime),
    ['kv', 'ttft', 'itl', 'prefix', 'kv', 'ttft', 'itl', 'prefix'],
  );
  for (const f of a) {
    assert.ok(f.engines >= 2 && f.engines <= 8, `#${f.index} engines`);
    assert.ok(!isExcluded(f));
    assert.ok(f.guess.capacity >= 6 && f.guess.capacity <= 60, `#${f.index} capacity ${f.guess.capacity}`);
    assert.ok(f.sla.itlMs >= 12 && f.sla.ttftMs >= 100);
    assert.ok(f.engine.numBlocks * 16 >= f.workload.maxTokens, `#${f.index}: the longest request fits the pool`);
  }
  const binds = new Set(a.map((f) => f.guess.binds));
  assert.ok(
    binds.has('KV') && binds.has('decode (ITL)') && (binds.has('slots (TTFT)') || binds.has('prefill (TTFT)')),
    [...binds].join(', '),
  );
  assert.ok(a.filter((f) => f.regime === 'prefix').every((f) => f.workload.kind === 'shared-prefix'));
  assert.notDeepEqual(drawFleets(12, 4), a.slice(0, 4), 'another seed, other fleets');
});

test('the overload / backpressure fleet is recognised as excluded', () => {
  const f = {
    engines: 4,
    engine: { speedup: 0.5, maxNumSeqs: 16 },
    workload: { kind: 'chat-short' },
    sla: { ttftMs: 500, itlMs: 50 },
  } as FleetSpec;
  assert.equal(isExcluded(f), true);
  assert.equal(isExcluded({ ...f, engines: 3 }), false);
});

test('speedup: nearest to the target capacity within the load, token and SLA bounds', () => {
  assert.equal(chooseSpeedup(20, 20, { ttftMs: 1000, itlMs: 60 }, 100), 1);
  assert.equal(chooseSpeedup(20, 30, { ttftMs: 1000, itlMs: 60 }, 100), 1.5);
  // 2× would put ITL at 10 ms wall, under the floor; 1.5 is the fastest allowed.
  assert.equal(chooseSpeedup(20, 40, { ttftMs: 1000, itlMs: 20 }, 100), 1.5);
  assert.equal(chooseSpeedup(300, 20, { ttftMs: 1000, itlMs: 60 }, 100), undefined, '0.25 × 300 is still over 60/s');
  assert.equal(chooseSpeedup(0, 20, { ttftMs: 1000, itlMs: 60 }, 100), undefined);
  assert.equal(
    chooseSpeedup(16, 16, { ttftMs: 1000, itlMs: 60 }, 500),
    0.5,
    '16/s × 500 tokens is over the relay bound; 8/s is not',
  );
});
