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

test('bounds count in the upper mean only, and the measured count and clearing ignore them unless asked', () => {
  let now = 0;
  const w = new LatencyWindow({ clock: () => now, windowMs: 1000, buckets: 10, bounds: true });
  w.add(100);
  w.addBound(400);
  w.addBound(400);
  assert.equal(w.mean(), 100);
  assert.equal(w.count(), 1);
  assert.equal(w.upperMean(), 300);
  assert.equal(w.clearsAt(0, 200, 1), 0, 'measured: 100 ≤ 200 already');
  assert.equal(w.clearsAt(0, 200, 1, true), 1000, 'with bounds: over 200 until everything has left');
  now = 500;
  w.add(100);
  assert.equal(w.clearsAt(now, 100, 2, true), 1000, 'the first bucket leaves: 1 measured, fewer than 2');
  now = 1000; // the first bucket left; what remains is one measured sample
  assert.equal(w.upperMean(), 100);
  const plain = new LatencyWindow({ clock: () => now, windowMs: 1000 });
  assert.throws(() => plain.addBound(1), /keeps no bounds/);
});
