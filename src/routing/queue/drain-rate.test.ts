import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrainRate } from './drain-rate.ts';
import { retryAfterMs } from './retry-after.ts';

test('the rate is the events of the sliding window over its span', () => {
  let now = 1000;
  const d = new DrainRate({ clock: () => now, windowMs: 1000, buckets: 10, minEvents: 3 });
  assert.ok(Number.isNaN(d.perMs()));
  d.record();
  d.record();
  assert.ok(Number.isNaN(d.perMs()), 'too few events');
  // 1 event per 10 ms for 2 s: 0.1 per ms once the window is full.
  for (let i = 0; i < 200; i++) {
    now += 10;
    d.record();
  }
  assert.ok(Math.abs(d.perMs() - 0.1) < 0.011, String(d.perMs()));
  // Twice as fast: the window forgets the old rate within its length.
  for (let i = 0; i < 200; i++) {
    now += 5;
    d.record();
  }
  assert.ok(Math.abs(d.perMs() - 0.2) < 0.021, String(d.perMs()));
  // Idle longer than the window: unknown again.
  now += 5000;
  assert.ok(Number.isNaN(d.perMs()));
});

test('a young window divides by the time since its first event, not the whole window', () => {
  let now = 0;
  const d = new DrainRate({ clock: () => now, windowMs: 2000, buckets: 20, minEvents: 3 });
  for (let i = 0; i < 10; i++) {
    d.record();
    now += 20;
  }
  assert.ok(Math.abs(d.perMs() - 10 / 200) < 0.01, String(d.perMs()));
});

test('Retry-After is backlog over the drain rate, clamped; the upper bound when no rate is known', () => {
  const b = { minMs: 100, maxMs: 10_000 };
  assert.equal(retryAfterMs(50, 0.1, b), 500);
  assert.equal(retryAfterMs(1, 1, b), 100);
  assert.equal(retryAfterMs(1e6, 0.1, b), 10_000);
  assert.equal(retryAfterMs(5, NaN, b), 10_000);
  assert.equal(retryAfterMs(0, 0.01, b), 100);
});
