// --speedup scales time and nothing else: the same workload gives the same tokens, the same schedule in
// simulated time, and wall time divided by the factor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { streamRequest, userMessage } from './sim-helpers.ts';

async function run(speedup: number) {
  const engine = await startEngine({ speedup, seed: 4 });
  try {
    const started = performance.now();
    const outputs = [];
    // Sequential requests: the schedule does not depend on arrival jitter.
    for (let i = 0; i < 3; i++) {
      const r = await streamRequest(engine.url, {
        messages: userMessage(`question ${i} `.repeat(40)),
        max_tokens: 150,
        stream_options: { include_usage: true },
      });
      outputs.push({ text: r.contents.join(''), usage: r.usage });
    }
    const wallMs = performance.now() - started;
    const { steps, promptTokens, generationTokens, prefixHits } = engine.scheduler.totals;
    return { outputs, wallMs, totals: { steps, promptTokens, generationTokens, prefixHits } };
  } finally {
    await engine.close();
  }
}

test('the speedup factor scales time and nothing else', async () => {
  const slow = await run(5);
  const fast = await run(20);
  assert.deepEqual(fast.outputs, slow.outputs);
  assert.deepEqual(fast.totals, slow.totals);
  // 3 × (prefill + 149 decode steps of ~6 ms) ≈ 2.7 simulated s: ~540 ms at 5×, ~135 ms at 20×.
  const ratio = slow.wallMs / fast.wallMs;
  assert.ok(ratio > 2.5 && ratio < 5.5, `wall ${slow.wallMs.toFixed(0)} ms vs ${fast.wallMs.toFixed(0)} ms`);
});
