// A client that goes away frees its slot and its KV blocks at once, whether running or waiting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { loadWhen, metricValue, streamRequest, userMessage } from './sim-helpers.ts';

test('disconnecting a running and a waiting request frees slot and blocks', async () => {
  const engine = await startEngine({ speedup: 10, maxNumSeqs: 1 });
  try {
    const runningAc = new AbortController();
    const waitingAc = new AbortController();
    const running = streamRequest(
      engine.url,
      { messages: userMessage('x '.repeat(200)), max_tokens: 5000 },
      { signal: runningAc.signal },
    );
    await loadWhen(engine, (l) => l.running === 1 && l.kvBlocksUsed > 0);
    const waiting = streamRequest(
      engine.url,
      { messages: userMessage('y'), max_tokens: 5 },
      { signal: waitingAc.signal },
    );
    await loadWhen(engine, (l) => l.waiting === 1);
    waitingAc.abort();
    await assert.rejects(waiting);
    await loadWhen(engine, (l) => l.waiting === 0 && l.queuedPrefillTokens === 0);
    assert.equal(engine.load().running, 1);
    runningAc.abort();
    await assert.rejects(running);
    const idle = await loadWhen(engine, (l) => l.running === 0);
    assert.equal(idle.kvBlocksUsed, 0);
    assert.equal(metricValue(await engine.metricsText(), 'vllm:request_success_total{finished_reason="abort"'), 2);
    // The engine keeps serving.
    const after = await streamRequest(engine.url, { messages: userMessage('z'), max_tokens: 3 });
    assert.equal(after.contents.length, 3);
  } finally {
    await engine.close();
  }
});
