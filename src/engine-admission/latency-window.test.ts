import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyWindow } from './latency-window.ts';

test('the mean covers the window and forgets what is older', () => {
  let now = 0;
  const w = new LatencyWindow({ clock: () => now, windowMs: 1000, buckets: 10 });
  assert.ok(Number.isNaN(w.mean()));
  w.add(100);
  w.add(300);
  assert.equal(w.mean(), 200);
  assert.equal(w.sd(), 100);
  now = 500;
  w.add(1000);
  assert.equal(w.count(), 3);
  now = 1050; // the first two samples' bucket has left the window
  assert.equal(w.mean(), 1000);
  now = 5000;
  assert.ok(Number.isNaN(w.mean()));
  assert.equal(w.count(), 0);
});

test('weighted samples: ITL gap sums over the tokens they cover', () => {
  const now = 0;
  const w = new LatencyWindow({ clock: () => now, windowMs: 1000 });
  w.add(40, 4); // one chunk carrying 4 tokens after 40 ms
  w.add(10, 1);
  assert.equal(w.mean(), 10);
  w.reset();
  assert.ok(Number.isNaN(w.mean()));
});
