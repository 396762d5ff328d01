import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RELAX_MS, WaitCalibration } from './wait-calibration.ts';

test('no record: the model alone (factor 1); unknown predictions are not recorded', () => {
  const c = new WaitCalibration();
  assert.equal(c.factor(1, 0), 1);
  c.record(1, 100, NaN, 0);
  c.record(1, 100, Infinity, 0);
  c.record(1, 100, 0, 0);
  assert.equal(c.factor(1, 0), 1);
  assert.equal(c.samples(1), 0);
});

test('the factor is the high quantile of waited / predicted, per class', () => {
  const c = new WaitCalibration(0.99, 1000);
  for (let i = 0; i < 990; i++) c.record(1, 50, 100, 0); // half the prediction
  for (let i = 0; i < 10; i++) c.record(1, 300, 100, 0); // 1 % waited 3×
  const f = c.factor(1, 0);
  assert.ok(f > 0.5 && f < 3.3, String(f));
  for (let i = 0; i < 20; i++) c.record(1, 300, 100, 0); // now 3 % waited 3×: the 0.99-quantile is there
  assert.ok(c.factor(1, 0) >= 3 && c.factor(1, 0) < 3.3, String(c.factor(1, 0)));
  assert.equal(c.factor(0, 0), 1, 'classes are calibrated apart');
  assert.equal(c.factor(2, 0), 1);
});

test('where the model holds the factor is ~1, and below it the queue may admit more', () => {
  const c = new WaitCalibration(0.999, 2000);
  for (let i = 0; i < 3000; i++) c.record(0, ((i % 100) / 100) * 60, 60, 0); // waits spread evenly up to the prediction
  assert.ok(c.factor(0, 0) > 0.95 && c.factor(0, 0) < 1.1, String(c.factor(0, 0)));
  const d = new WaitCalibration(0.999, 2000);
  for (let i = 0; i < 3000; i++) d.record(0, 20, 60, 0);
  assert.ok(d.factor(0, 0) < 0.4, String(d.factor(0, 0)));
});

test('fewer leaves than 1 / (1 − q): the model alone, since a high quantile of a few is only their largest', () => {
  const c = new WaitCalibration(0.9, 100);
  for (let i = 0; i < 9; i++) c.record(1, 400, 100, 0);
  assert.equal(c.factor(1, 0), 1);
  c.record(1, 400, 100, 0);
  assert.ok(c.factor(1, 0) >= 4 && c.factor(1, 0) < 4.4, String(c.factor(1, 0)));
  for (let i = 0; i < 2000; i++) c.record(1, 100, 100, 0);
  assert.ok(c.factor(1, 0) >= 1 && c.factor(1, 0) < 1.1, 'old ones fade');
});

test('a wait of 0 counts as the smallest ratio', () => {
  const c = new WaitCalibration(0.5, 100);
  c.record(1, 0, 100, 0);
  for (let i = 0; i < 10; i++) c.record(1, 0, 100, 0);
  assert.ok(c.factor(1, 0) < 0.02, String(c.factor(1, 0)));
});

test('with no leave for a while the factor relaxes toward the model, and a new leave restores it', () => {
  const c = new WaitCalibration(0.9, 100);
  for (let i = 0; i < 20; i++) c.record(0, 900, 100, 1000); // a drought: 9× the model
  assert.ok(c.factor(0, 1000) >= 9, String(c.factor(0, 1000)));
  const half = c.factor(0, 1000 + RELAX_MS);
  assert.ok(Math.abs(half - 1 - (c.factor(0, 1000) - 1) / 2) < 1e-9, String(half));
  assert.ok(c.factor(0, 1000 + 10 * RELAX_MS) < 1.02);
  c.record(0, 50, 100, 1000 + 10 * RELAX_MS); // the probe leaves quickly
  assert.ok(c.factor(0, 1000 + 10 * RELAX_MS) >= 9, 'the record still holds the drought');
});
