import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BusySignals, busyReason } from './busy.ts';

function load(kv: number | undefined, queued: number, total: number | undefined): BusySignals {
  return { kvUsage: () => kv, queuedPrefillTokens: () => queued, kvBlocksTotal: total, blockSize: 16 };
}
const t = { kvBusy: 0.9, prefillBusyTokens: undefined, prefillBusyFraction: 0.125 };

test('busy on KV use at or over kv_busy', () => {
  assert.equal(busyReason(load(0.89, 0, 1000), t), undefined);
  assert.equal(busyReason(load(0.9, 0, 1000), t), 'kv');
});

test('busy on queued prefill tokens, by default a fraction of the capacity in tokens', () => {
  assert.equal(busyReason(load(0.1, 1999, 1000), t), undefined); // 0.125 × 1000 × 16 = 2000
  assert.equal(busyReason(load(0.1, 2000, 1000), t), 'prefill');
  assert.equal(busyReason(load(0.1, 500, 1000), { ...t, prefillBusyTokens: 500 }), 'prefill');
});

test('unknown capacity: neither check can fire unless an absolute threshold is set', () => {
  assert.equal(busyReason(load(undefined, 1e9, undefined), t), undefined);
  assert.equal(busyReason(load(undefined, 600, undefined), { ...t, prefillBusyTokens: 500 }), 'prefill');
});

test('a class below critical leaves at least one request of room under each threshold to the classes above', () => {
  // Prefill threshold 2,000 tokens: f = 0.9 leaves 200, less than a 600-token prompt; the reserve leaves 600.
  assert.equal(busyReason(load(0.1, 1399, 1000), t, 0.9, 600), undefined);
  assert.equal(busyReason(load(0.1, 1400, 1000), t, 0.9, 600), 'prefill');
  assert.equal(busyReason(load(0.1, 1400, 1000), t, 1, 600), undefined, 'critical (f = 1) uses the whole threshold');
  // KV: 0.9 of 16,000 tokens; f = 0.9 → 0.81, a 3,200-token reserve → 0.7.
  assert.equal(busyReason(load(0.69, 0, 1000), t, 0.9, 3200), undefined);
  assert.equal(busyReason(load(0.7, 0, 1000), t, 0.9, 3200), 'kv');
  // A prompt over the whole threshold: the class takes only an engine with no prefill pending.
  assert.equal(busyReason(load(0.1, 0, 1000), t, 0.9, 2500), undefined);
  assert.equal(busyReason(load(0.1, 1, 1000), t, 0.9, 2500), 'prefill');
  // A small reserve leaves the fraction in force.
  assert.equal(busyReason(load(0.81, 0, 1000), t, 0.9, 16), 'kv');
});
