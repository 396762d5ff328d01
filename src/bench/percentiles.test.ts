import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyStats, percentile } from './percentiles.ts';

test('nearest-rank percentiles on 1..100', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 0.5), 50);
  assert.equal(percentile(sorted, 0.99), 99);
  assert.equal(percentile(sorted, 1), 100);
  assert.equal(percentile(new Float64Array(0), 0.5), 0);
});

test('latencyStats skips NaN (not measured) and sorts numerically', () => {
  const values = new Float32Array([10, NaN, 2, 100, NaN, 1]);
  const s = latencyStats(values);
  assert.equal(s.count, 4);
  assert.equal(s.p50, 2);
  assert.equal(s.max, 100);
  assert.equal(s.mean, 28.25);
  assert.equal(latencyStats([]).count, 0);
});
