import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RatioQuantile } from './ratio-quantile.ts';

test('ratio quantile: the upper edge of the bucket holding the share, older values fading', () => {
  const q = new RatioQuantile(100);
  assert.ok(Number.isNaN(q.quantile(0.5)));
  for (let i = 0; i < 99; i++) q.add(1);
  q.add(3);
  assert.ok(q.quantile(0.5) > 1 && q.quantile(0.5) < 1.1, String(q.quantile(0.5)));
  assert.ok(q.quantile(0.999) >= 3 && q.quantile(0.999) < 3.3, String(q.quantile(0.999)));
  for (let i = 0; i < 2000; i++) q.add(2);
  assert.ok(q.quantile(0.01) >= 2, 'the old values have faded');
});

test('ratio quantile: a wider range keeps values the default range clips', () => {
  const narrow = new RatioQuantile(100);
  const wide = new RatioQuantile(100, -6, 12);
  for (const r of [0.02, 20]) {
    narrow.add(r);
    wide.add(r);
  }
  assert.equal(narrow.quantile(1), 8, 'clipped to the top edge, 2^3');
  assert.ok(wide.quantile(1) >= 20 && wide.quantile(1) < 22, String(wide.quantile(1)));
  assert.ok(wide.quantile(0.4) >= 0.02 && wide.quantile(0.4) < 0.022, String(wide.quantile(0.4)));
  assert.ok(Math.abs(narrow.quantile(0.4) - 2 ** (-23 / 8)) < 1e-12, 'clipped to the bottom bucket');
});

test('ratio quantile: the distribution read (cdf, mean, top), an old outlier forgotten', () => {
  const q = new RatioQuantile(100, -6, 12);
  assert.ok(Number.isNaN(q.cdf(1)) && Number.isNaN(q.mean()) && Number.isNaN(q.top()));
  for (let i = 0; i < 50; i++) {
    q.add(1);
    q.add(4);
  }
  assert.equal(q.cdf(0.5), 0);
  assert.ok(Math.abs(q.cdf(2) - 0.5) < 0.02, String(q.cdf(2)));
  assert.equal(q.cdf(5), 1);
  assert.ok(q.cdf(1.04) > 0 && q.cdf(1.04) < q.cdf(1.08), 'linear in log within a bucket');
  assert.ok(q.mean() > 2.4 && q.mean() < 2.8, String(q.mean()));
  assert.ok(q.top() >= 4 && q.top() < 4.4, String(q.top()));
  q.add(30);
  assert.ok(q.top() >= 30, 'a fresh outlier is the largest seen');
  for (let i = 0; i < 1000; i++) q.add(1);
  assert.ok(q.top() < 1.1 && q.cdf(1.1) === 1, 'faded below the forgotten share, it no longer is');
});
