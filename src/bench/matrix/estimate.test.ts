import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binding, estimateFleet, type SimEngine, simulateShare } from './estimate.ts';
import { WORKLOADS } from './workloads.ts';

const engine: SimEngine = { numBlocks: 4096, maxNumSeqs: 8, maxNumBatchedTokens: 2048, profile: 'default' };
const chat = WORKLOADS['chat-short'].sample;

test('a trickle meets the SLA, a flood does not; the same inputs give the same run', () => {
  const sla = { ttftMs: 500, itlMs: 50 };
  assert.equal(simulateShare(engine, chat, 2, 2, sla).attainment, 1);
  const flood = simulateShare(engine, chat, 400, 2, sla);
  assert.ok(flood.attainment < 0.5 && flood.ttftFailed > 0.5);
  assert.ok(flood.slotsFull > 0.5, 'eight slots hold the queue back');
  assert.deepEqual(simulateShare(engine, chat, 40, 2, sla), simulateShare(engine, chat, 40, 2, sla));
});

test('the estimate finds few slots binding on short chat, and the pool on long outputs in a small KV', () => {
  const slots = estimateFleet(engine, chat, 2, { ttftMs: 500, itlMs: 100 });
  assert.ok(slots.capacity > 5, `capacity ${slots.capacity}`);
  assert.equal(slots.binds, 'slots (TTFT)');
  const kv = estimateFleet(
    { numBlocks: 300, maxNumSeqs: 128, maxNumBatchedTokens: 4096, profile: 'default' },
    WORKLOADS['long-output'].sample,
    2,
    { ttftMs: 3000, itlMs: 150 },
  );
  assert.equal(kv.binds, 'KV');
});

test('binding: ITL when TPOT failed more than TTFT, else what held the queue', () => {
  const base = { attainment: 0.5, ttftFailed: 0.1, tpotFailed: 0, slotsFull: 0, kvFull: 0, preemptions: 0 };
  assert.equal(binding({ ...base, tpotFailed: 0.3 }), 'decode (ITL)');
  assert.equal(binding({ ...base, preemptions: 3 }), 'KV');
  assert.equal(binding({ ...base, kvFull: 0.2, slotsFull: 0.1 }), 'KV');
  assert.equal(binding({ ...base, slotsFull: 0.2 }), 'slots (TTFT)');
  assert.equal(binding(base), 'prefill (TTFT)');
});
