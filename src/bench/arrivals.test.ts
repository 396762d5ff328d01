import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../util/random.ts';
import { arrivalGaps } from './arrivals.ts';

test('poisson gaps have the requested mean and an exponential spread', () => {
  const next = arrivalGaps('poisson', 200, seededRandom(7));
  const n = 50_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const g = next();
    assert.ok(g >= 0);
    sum += g;
    sumSq += g * g;
  }
  const mean = sum / n;
  const sd = Math.sqrt(sumSq / n - mean * mean);
  assert.ok(Math.abs(mean - 5) < 0.1, `mean ${mean}`);
  // An exponential distribution's standard deviation equals its mean.
  assert.ok(Math.abs(sd - 5) < 0.2, `sd ${sd}`);
});

test('the same seed gives the same schedule; constant gaps are exact', () => {
  const a = arrivalGaps('poisson', 10, seededRandom(1));
  const b = arrivalGaps('poisson', 10, seededRandom(1));
  for (let i = 0; i < 100; i++) assert.equal(a(), b());
  const c = arrivalGaps('constant', 4, seededRandom(1));
  assert.equal(c(), 250);
  assert.throws(() => arrivalGaps('constant', 0, seededRandom(1)), /rate must be > 0/);
});
