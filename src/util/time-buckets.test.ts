import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeBuckets } from './time-buckets.ts';

test('sums per series over the window; buckets older than the window drop out as time moves on', () => {
  const w = new TimeBuckets(1000, 10, 2); // 100 ms buckets
  w.advance(0);
  w.add(0, 1);
  w.add(1, 5);
  w.advance(450);
  w.add(0, 2);
  w.add(1, 7);
  assert.deepEqual([...w.totals], [3, 12]);
  assert.equal(w.advance(999), false, 'both buckets still inside [0, 1000)');
  assert.deepEqual([...w.totals], [3, 12]);
  w.advance(1000); // the bucket of t=0 leaves
  assert.deepEqual([...w.totals], [2, 7]);
  assert.equal(w.advance(1450), true, 'a window later everything has left');
  assert.deepEqual([...w.totals], [0, 0]);
});

test('a jump longer than the window clears every bucket once; drift in the totals is clamped to exactly zero', () => {
  const w = new TimeBuckets(300, 3, 2);
  w.advance(0);
  w.add(0, 0.1);
  w.add(1, 0.2);
  w.advance(100);
  w.add(0, 0.2);
  w.add(1, 0.1);
  assert.equal(w.advance(1_000_000), true);
  assert.deepEqual([...w.totals], [0, 0]);
  w.add(0, 1);
  assert.equal(w.totals[0], 1, 'the bucket written after the jump starts from zero');
});
