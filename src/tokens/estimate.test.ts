import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenEstimator } from './estimate.ts';

test('before any observation: bytes / 4, rounded up', () => {
  const e = new TokenEstimator();
  assert.equal(e.estimate('g', 0), 0);
  assert.equal(e.estimate('g', 1), 1);
  assert.equal(e.estimate('g', 16_350), 4088);
});

test('the first observation replaces the prior; later ones are averaged in with weight alpha', () => {
  const e = new TokenEstimator({ alpha: 0.5 });
  e.observe('g', 3000, 1000); // 3 bytes/token
  assert.equal(e.bytesPerToken('g'), 3);
  e.observe('g', 5000, 1000); // 5 → 3 + 0.5·(5 − 3)
  assert.equal(e.bytesPerToken('g'), 4);
  assert.equal(e.samples('g'), 2);
  assert.equal(e.estimate('g', 4000), 1000);
});

test('groups are calibrated independently', () => {
  const e = new TokenEstimator();
  e.observe('english', 4400, 1000);
  e.observe('chinese', 1500, 1000);
  assert.equal(e.estimate('english', 44_000), 10_000);
  assert.equal(e.estimate('chinese', 15_000), 10_000);
  assert.equal(e.bytesPerToken('other'), 4);
});

test('converges to the true ratio from a wrong start', () => {
  const e = new TokenEstimator({ alpha: 0.1 });
  e.observe('g', 1000, 1000); // an outlier first sample: 1 byte/token
  for (let i = 0; i < 60; i++) e.observe('g', 4300 + (i % 3) * 10, 1000);
  assert.ok(Math.abs(e.bytesPerToken('g') - 4.31) < 0.02, String(e.bytesPerToken('g')));
});

test('missing, zero or absurd usage does not wreck the estimate', () => {
  const e = new TokenEstimator({ alpha: 1 });
  e.observe('g', 4000, 0);
  e.observe('g', 4000, Number.NaN);
  e.observe('g', 0, 10);
  assert.equal(e.samples('g'), 0);
  e.observe('g', 1_000_000, 1); // clamped to 16 bytes/token
  assert.equal(e.bytesPerToken('g'), 16);
  e.observe('g', 1, 1_000_000); // clamped to 1
  assert.equal(e.bytesPerToken('g'), 1);
});
