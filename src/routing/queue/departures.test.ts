import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Departures, needed } from './departures.ts';

/** Completes attempts of the given durations (ms), in order. */
function learned(durations: readonly number[]): Departures {
  const d = new Departures();
  for (const ms of durations) d.end(d.start(0), ms, true);
  return d;
}

const same = (ms: number, n = 40) => Array.from({ length: n }, () => ms);
/** `n` durations spread evenly in log from `lo` to `hi` ms. */
const spread = (lo: number, hi: number, n = 200) =>
  Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));

test('before durations are known, no attempt is taken to be shorter than the oldest has run (Lindy)', () => {
  const d = new Departures();
  const h = d.start(0);
  assert.ok(Number.isNaN(d.waitMs(1, 0, 0)), 'an attempt of age 0 says nothing');
  // One attempt 100 ms old: it ends within t with chance t / (100 + t); needed(1, 0) = (8/9)^3 of one departure.
  const w = d.waitMs(1, 0, 100);
  const p = needed(1, 0);
  assert.ok(Math.abs(w - (100 * p) / (1 - p)) < 1, String(w));
  d.start(90); // 10 ms old: it too must first reach the oldest's 100 ms
  assert.ok(d.waitMs(2, 0, 100) > d.waitMs(1, 0, 100) + 90 - 1, 'the young one is due no sooner than the old one was');
  d.end(h, 100, true);
  assert.ok(Number.isNaN(d.meanMs()));
  const e = learned(same(1000));
  assert.ok(e.meanMs() >= 1000 && e.meanMs() < 1100, String(e.meanMs()));
  assert.ok(Number.isNaN(e.waitMs(1, 0, 0)), 'nothing in flight');
});

test('a wave: young attempts of similar durations mean a long wait, the k-th departure near the duration', () => {
  const d = learned(same(1000));
  for (let i = 0; i < 10; i++) d.start(0);
  const first = d.waitMs(1, 0, 100);
  const all = d.waitMs(10, 0, 100);
  assert.ok(first >= 880 && first <= 1000, String(first));
  assert.ok(all >= first && all <= 1000, String(all));
  assert.ok(d.waitMs(1, 2.33, 100) >= first, 'a margin never shortens the wait');
});

test('spread durations: among many in flight the first departure comes soon, not when the oldest is due', () => {
  const d = learned(spread(100, 10_000));
  // 100 in flight, dispatched over the last 2 s.
  for (let i = 0; i < 100; i++) d.start(i * 20);
  const now = 2000;
  // Durations 0.1–10 s, mean ~2.8 s: the oldest (2 s) is not near due, but many younger ones are short.
  const first = d.waitMs(1, 0, now);
  assert.ok(first > 0 && first < 100, `first departure in ${first} ms`);
  const sure = d.waitMs(1, 2.33, now);
  assert.ok(sure > first && sure < 300, `first departure at 99 % in ${sure} ms`);
  let last = sure;
  for (const k of [5, 20, 50, 90]) {
    const w = d.waitMs(k, 2.33, now);
    assert.ok(w >= last, `wait grows with k: ${k} → ${w}`);
    last = w;
  }
  assert.ok(d.waitMs(20, 0, now) < 1000, 'a fifth of them within a second, on average');
});

test('overdue attempts leave at the rate of an average one', () => {
  const d = learned(same(1000));
  const mean = d.meanMs();
  for (let i = 0; i < 3; i++) d.start(0); // 5 s old at the read: past every duration seen
  for (let i = 0; i < 5; i++) d.start(5000); // just dispatched: none ends before ~1 s
  // 3 · (1 − exp(−t / mean)) = needed(1, 0).
  const expected = -mean * Math.log(1 - needed(1, 0) / 3);
  const w = d.waitMs(1, 0, 5000);
  assert.ok(Math.abs(w - expected) < 10, `${w} against ${expected}`);
  // The young ones end by their duration whatever the overdue do; the overdue alone never make 4.
  const four = d.waitMs(4, 0, 5000);
  assert.ok(four >= 1000 && four < 1100, String(four));
});

test('more to leave than are in flight: the wait for all of them, then a mean duration per round of n', () => {
  const d = learned(same(1000));
  const mean = d.meanMs();
  d.start(0);
  d.start(300);
  d.start(600);
  const now = 700;
  const all = d.waitMs(3, 0, now);
  assert.ok(Math.abs(d.waitMs(4, 0, now) - (all + mean)) < 1e-6);
  assert.ok(Math.abs(d.waitMs(6, 0, now) - (all + mean)) < 1e-6);
  assert.ok(Math.abs(d.waitMs(7, 0, now) - (all + 2 * mean)) < 1e-6);
});

test('ended attempts leave the count, in any order, and each ends once', () => {
  const d = learned(same(1000));
  const a = d.start(0);
  const b = d.start(100);
  const c = d.start(200);
  d.end(b, 300, false); // a failure: leaves, but says nothing of durations
  assert.equal(d.live, 2);
  const before = d.meanMs();
  d.end(b, 400, true);
  assert.equal(d.live, 2, 'a second end of the same attempt is ignored');
  assert.equal(d.meanMs(), before, 'and adds no duration');
  d.end(a, 500, true);
  // Only c (age 300 ms) is left: its departure near 1000 − 300 ms.
  const w = d.waitMs(1, 0, 500);
  assert.ok(w >= 650 && w <= 800, String(w));
  d.end(c, 600, true);
  assert.equal(d.live, 0);
  assert.ok(Number.isNaN(d.waitMs(1, 0, 600)));
});

test('the ring grows past its first size and keeps every attempt', () => {
  const d = learned(same(1000));
  const handles: number[] = [];
  for (let i = 0; i < 300; i++) handles.push(d.start(i));
  for (let i = 0; i < 300; i += 2) d.end(handles[i], 400, false);
  assert.equal(d.live, 150);
  const now = 400;
  // Live ones started at 1, 3, …, 299: the first is due at ~1000 − 399 ms, the 150th at ~1000 − 101 ms.
  const first = d.waitMs(1, 0, now);
  const all = d.waitMs(150, 0, now);
  assert.ok(first >= 580 && first <= 700, String(first));
  assert.ok(all >= 880 && all <= 1000, String(all));
  assert.ok(d.waitMs(151, 0, now) > all, 'beyond them: later rounds');
});

test('needed: the expected departures that reach k with confidence z (Wilson–Hilferty Gamma quantile)', () => {
  assert.ok(Math.abs(needed(1, 2.326) - 4.605) < 0.05, String(needed(1, 2.326))); // Poisson: P(N ≥ 1) = 0.99 at λ 4.605
  assert.ok(Math.abs(needed(100, 2.326) - (100 + 2.326 * 10)) < 1.5, 'large k: about k + z·√k');
  assert.ok(needed(5, 0) < 5 && needed(5, 0) > 4.5, 'z 0: about the median, just under k');
});

test('few attempts each likely to end: one departure of four is near-certain well before all have ended', () => {
  const d = new Departures();
  for (let i = 0; i < 40; i++) d.end(d.start(0), 100 + (i % 10) * 20, true); // 100-280 ms
  for (let i = 0; i < 4; i++) d.start(1000);
  // needed(1, 2.33) is 4.6 expected departures, more than 4 in flight: the Poisson reading alone never gets there.
  const w = d.waitMs(1, 2.33, 1000);
  assert.ok(w < 300, `${w} ms`);
});
