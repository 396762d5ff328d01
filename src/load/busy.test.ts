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
