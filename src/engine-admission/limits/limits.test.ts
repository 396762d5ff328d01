import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMIT_ALGORITHMS } from '../../config/limit-params.ts';
import { seededRandom } from '../../util/random.ts';
import { GradientLimit } from './gradient.ts';
import { Gradient2Limit } from './gradient2.ts';
import { createLimit, limitNames } from './registry.ts';
import { perSampleParams } from './test-params.ts';
import type { LimitParams, LimitSample } from './types.ts';
import { VegasLimit } from './vegas.ts';

const params: LimitParams = perSampleParams({ initial: 20, min: 4, max: 200 });

/** A first token (or a drop) as the windowed algorithms read it. */
function smp(rtt: number, inFlight: number, dropped: boolean): LimitSample {
  return {
    rtt,
    inFlight,
    dropped,
    ttftMs: rtt,
    promptTokens: 0,
    running: NaN,
    waiting: NaN,
    reportSeq: 0,
    waitedMs: 0,
    ttftSloMs: 0,
    itlSloMs: 0,
  };
}

test('gradient2 grows by queue_size · smoothing per sample while latency holds and the limit is used', () => {
  const l = new Gradient2Limit(params);
  for (let i = 0; i < 10; i++) l.update(smp(100, 20, false));
  // gradient 1 (tolerance hides small changes): limit ← limit + 0.2 · 4 each time.
  assert.ok(Math.abs(l.limit - (20 + 10 * 0.8)) < 1e-9, String(l.limit));
});

test('gradient2 does not grow an app-limited limit', () => {
  const l = new Gradient2Limit(params);
  for (let i = 0; i < 50; i++) l.update(smp(100, 5, false));
  assert.equal(l.limit, 20);
});

test('gradient2 shrinks when latency doubles past the tolerance, toward half per update, never below min', () => {
  const l = new Gradient2Limit({ ...params, initial: 100 });
  for (let i = 0; i < 10; i++) l.update(smp(100, 100, false));
  const before = l.limit;
  l.update(smp(400, before, false));
  // gradient = max(0.5, 1.5 · ~100/400) = 0.5; new = limit · 0.5 + 4; blended at 0.2.
  const expected = before * 0.8 + (before * 0.5 + 4) * 0.2;
  assert.ok(Math.abs(l.limit - expected) < 1, `${l.limit} vs ${expected}`);
  for (let i = 0; i < 200; i++) l.update(smp(5000, 1000, false));
  assert.ok(l.limit >= 4 && l.limit < before, String(l.limit));
});

test('gradient2 recovers: the long RTT decays quickly once latency is back to normal', () => {
  const l = new Gradient2Limit({ ...params, initial: 50 });
  for (let i = 0; i < 300; i++) l.update(smp(1000, 100, false));
  const inflated = l.longRtt;
  for (let i = 0; i < 30; i++) l.update(smp(100, 100, false));
  assert.ok(l.longRtt < inflated / 2, `${l.longRtt} vs ${inflated}`);
});

test('vegas grows fast without queueing and backs off on queueing and on drops', () => {
  const v = new VegasLimit({ ...params, smoothing: 1, probeMultiplier: 1e9 }, seededRandom(1));
  v.update(smp(100, 20, false)); // first sample sets rtt_noload
  v.update(smp(100, 20, false)); // queue 0 ≤ threshold: + beta (6 · 1)
  assert.equal(v.limit, 26);
  v.update(smp(200, 26, false)); // queue = ceil(26 · 0.5) = 13 > beta 6: − 1
  assert.equal(v.limit, 25);
  v.update(smp(110, 25, true));
  assert.equal(v.limit, 24);
  v.update(smp(100, 2, false)); // app-limited: unchanged
  assert.equal(v.limit, 24);
});

test('vegas re-probes the no-load latency so a slower engine is not judged by its best day', () => {
  const v = new VegasLimit({ ...params, probeMultiplier: 1 }, seededRandom(1));
  v.update(smp(10, 20, false));
  for (let i = 0; i < 100; i++) v.update(smp(50, 20, false));
  assert.equal(v.rttNoLoad, 50);
});

test('windowed: one update per window of samples, with their mean and the largest in-flight', () => {
  let now = 0;
  const l = createLimit(
    'gradient2',
    { ...params, windowSamples: 4, windowMinMs: 100 },
    { clock: () => now, random: Math.random },
  );
  for (let i = 0; i < 4; i++) l.update(smp(100, 20, false));
  assert.equal(l.limit, 20, 'window not yet 100 ms long');
  now = 100;
  l.update(smp(100, 20, false));
  assert.ok(Math.abs(l.limit - 20.8) < 1e-9, String(l.limit));
  assert.deepEqual(limitNames(), ['gradient', 'gradient2', 'vegas', 'fixed', 'slo', 'gradient-slo']);
  assert.equal(
    createLimit('fixed', { ...params, initial: 7, windowSamples: 10 }, { clock: () => 0, random: Math.random }).limit,
    7,
  );
  assert.throws(() => createLimit('aimd', params, { clock: () => 0, random: Math.random }), /unknown algorithm "aimd"/);
});

test("gradient2 with queue_size 'sqrt' grows by 0.2 · √limit per update", () => {
  const l = new Gradient2Limit({ ...params, initial: 16, queueSize: 'sqrt' });
  l.update(smp(100, 16, false));
  assert.ok(Math.abs(l.limit - (16 + 0.2 * 4)) < 1e-9, String(l.limit));
});

test('gradient learns the no-load latency as a minimum, so a start under overload still shrinks the limit', () => {
  const l = new GradientLimit({ ...params, initial: 32, tolerance: 2, queueSize: 'sqrt' }, seededRandom(1));
  // Its first samples are already queued (400 ms), then one quiet window shows the floor (50 ms).
  l.update(smp(400, 32, false));
  assert.equal(l.rttNoLoad, 400);
  l.update(smp(50, 32, false));
  const before = l.limit;
  l.update(smp(400, 40, false)); // gradient max(0.5, 2 · 50 / 400) = 0.5
  const queue = Math.max(4, Math.sqrt(before));
  assert.ok(Math.abs(l.limit - (before * 0.8 + (before * 0.5 + queue) * 0.2)) < 1e-9, String(l.limit));
});

test('gradient grows by the whole queue size while latency stays within tolerance, and halves on a drop', () => {
  const l = new GradientLimit({ ...params, initial: 16, tolerance: 2, queueSize: 'sqrt' }, seededRandom(1));
  l.update(smp(50, 16, false));
  assert.equal(l.limit, 20); // 16 · 1 + max(4, √16)
  l.update(smp(90, 20, false)); // within 2 × 50: no queueing
  assert.ok(Math.abs(l.limit - (20 + Math.sqrt(20))) < 1e-9);
  const before = l.limit;
  l.update(smp(90, 2, false)); // app-limited
  assert.equal(l.limit, before);
  l.update(smp(90, 30, true));
  assert.ok(Math.abs(l.limit - (before * 0.8 + (before / 2) * 0.2)) < 1e-9);
});

test('gradient re-learns its floor every probe interval, restarting the limit low', () => {
  const l = new GradientLimit({ ...params, initial: 64, probeInterval: 3, queueSize: 'sqrt' }, () => 0);
  for (let i = 0; i < 3; i++) l.update(smp(50, 100, false));
  const grown = l.limit;
  assert.ok(grown > 64);
  l.update(smp(80, 100, false)); // the 4th update is the reset
  assert.equal(l.rttNoLoad, Infinity);
  assert.equal(l.limit, Math.sqrt(grown));
});

test('the configuration accepts exactly the algorithms the registry builds', () => {
  assert.deepEqual([...LIMIT_ALGORITHMS].sort(), limitNames().sort());
});
