// Engine-level admission (vLLM/SGLang style): over the queue limits a request gets 503 at once, a request that
// waited too long gets 503, and nothing else is lost.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { loadWhen, metricValue, streamRequest, userMessage } from './sim-helpers.ts';

test('--max-num-queued-reqs: the request over the limit gets 503 with Retry-After; the others complete', async () => {
  const engine = await startEngine({ speedup: 50, maxNumSeqs: 1, maxNumQueuedReqs: 2 });
  try {
    // Long enough (~12 simulated s) that the queue cannot drain while the test sets it up.
    const running = streamRequest(engine.url, { messages: userMessage('a'), max_tokens: 2000 });
    await loadWhen(engine, (l) => l.running === 1);
    const queued = [
      streamRequest(engine.url, { messages: userMessage('b'), max_tokens: 5 }),
      streamRequest(engine.url, { messages: userMessage('c'), max_tokens: 5 }),
    ];
    await loadWhen(engine, (l) => l.waiting === 2);
    const rejected = await streamRequest(engine.url, { messages: userMessage('d'), max_tokens: 5 });
    assert.equal(rejected.status, 503);
    assert.equal(rejected.errorBody.error.code, 'engine_queue_full');
    assert.equal(rejected.errorBody.error.type, 'overloaded');
    assert.equal(rejected.headers.get('retry-after'), '1');
    assert.equal(rejected.headers.get('retry-after-ms'), '20');
    const done = await Promise.all([running, ...queued]);
    assert.deepEqual(
      done.map((r) => r.contents.length),
      [2000, 5, 5],
    );
    const text = await engine.metricsText();
    assert.equal(metricValue(text, 'spillway_sim_rejected_requests_total{reason="queue_full"'), 1);
    assert.equal(metricValue(text, 'vllm:request_success_total{finished_reason="length"'), 3);
    assert.deepEqual(engine.load(), {
      running: 0,
      waiting: 0,
      kvBlocksUsed: 0,
      kvBlocksTotal: 4096,
      queuedPrefillTokens: 0,
    });
  } finally {
    await engine.close();
  }
});

test('--max-num-queued-tokens rejects a prompt that would overfill the queue', async () => {
  const engine = await startEngine({ speedup: 50, maxNumSeqs: 1, maxNumQueuedTokens: 500 });
  try {
    const running = streamRequest(engine.url, { prompt: [1, 2, 3], max_tokens: 2000 }, { path: '/v1/completions' });
    await loadWhen(engine, (l) => l.running === 1);
    const small = streamRequest(engine.url, { prompt: Array(300).fill(7), max_tokens: 2 }, { path: '/v1/completions' });
    await loadWhen(engine, (l) => l.waiting === 1);
    const big = await streamRequest(
      engine.url,
      { prompt: Array(300).fill(8), max_tokens: 2 },
      { path: '/v1/completions' },
    );
    assert.equal(big.status, 503);
    assert.equal(big.errorBody.error.code, 'engine_queued_tokens_full');
    assert.equal((await small).contents.length, 2);
    assert.equal((await running).contents.length, 2000);
  } finally {
    await engine.close();
  }
});

test('--max-queue-ms: a request that waited longer is rejected with 503; the running one is unaffected', async () => {
  const engine = await startEngine({ speedup: 50, maxNumSeqs: 1, maxQueueMs: 200 });
  try {
    const running = streamRequest(engine.url, { messages: userMessage('long'), max_tokens: 2000 });
    await loadWhen(engine, (l) => l.running === 1);
    const late = await streamRequest(engine.url, { messages: userMessage('short'), max_tokens: 5 });
    assert.equal(late.status, 503);
    assert.equal(late.errorBody.error.code, 'engine_queue_timeout');
    assert.ok(late.headers.get('retry-after-ms'));
    assert.equal((await running).contents.length, 2000);
    const text = await engine.metricsText();
    assert.equal(metricValue(text, 'spillway_sim_rejected_requests_total{reason="queue_timeout"'), 1);
    assert.equal(metricValue(text, 'vllm:num_requests_waiting'), 0);
    assert.equal(engine.load().queuedPrefillTokens, 0);
  } finally {
    await engine.close();
  }
});
