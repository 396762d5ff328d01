import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrefixCalibration } from './prefix-calibration.ts';

test('the factor is the engine’s hit rate over the index’s, once enough tokens were counted', () => {
  const c = new PrefixCalibration();
  assert.equal(c.factor, 1);
  c.reported(0, 0, 0); // baseline
  // The index believed 90 % cached; the engine served 60 %.
  for (let s = 1; s <= 20; s++) {
    c.dispatched(10_000, 9_000);
    c.reported(s * 10_000, s * 6_000, s * 1000);
  }
  assert.ok(Math.abs(c.factor - 0.6 / 0.9) < 0.02, String(c.factor));
});

test('few tokens barely move it (prior of 4096 tokens at the index’s own rate)', () => {
  const c = new PrefixCalibration();
  c.reported(0, 0, 0);
  c.dispatched(500, 500);
  c.reported(500, 0, 100); // one short prompt missed entirely
  // r = (0 + 4096 · 1) / (500 + 4096) ≈ 0.89
  assert.ok(Math.abs(c.factor - 4096 / 4596) < 1e-9, String(c.factor));
});

test('the sums decay: a change of hit rate is followed within a minute', () => {
  const c = new PrefixCalibration();
  c.reported(0, 0, 0);
  let q = 0;
  let h = 0;
  let t = 0;
  const second = (engineRate: number) => {
    c.dispatched(5000, 4000); // the index always says 80 %
    q += 5000;
    h += 5000 * engineRate;
    t += 1000;
    c.reported(q, h, t);
  };
  for (let i = 0; i < 60; i++) second(0.4);
  assert.ok(Math.abs(c.factor - 0.5) < 0.02, String(c.factor));
  for (let i = 0; i < 90; i++) second(0.8);
  assert.ok(Math.abs(c.factor - 1) < 0.05, String(c.factor));
});

test('the calibrated rate never exceeds 1, and nothing estimated cached leaves it at 1', () => {
  const c = new PrefixCalibration();
  c.reported(0, 0, 0);
  c.dispatched(10_000, 0);
  c.reported(10_000, 9_000, 1000);
  assert.equal(c.factor, 1);
  c.dispatched(10_000, 2_000);
  c.reported(20_000, 19_900, 2000);
  assert.ok(c.factor * (2_000 / 20_000) <= 1 + 1e-9);
});

test('counters going down mean a restarted engine: reported() says so and the baseline restarts', () => {
  const c = new PrefixCalibration();
  assert.equal(c.reported(100_000, 50_000, 0), true);
  c.dispatched(10_000, 9_000);
  assert.equal(c.reported(1_000, 0, 1000), false);
  assert.equal(c.factor, 1, 'no sample across a restart');
  c.dispatched(10_000, 9_000);
  assert.equal(c.reported(11_000, 3_000, 2000), true);
  assert.ok(c.factor < 1);
});
