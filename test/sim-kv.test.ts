// KV cache behaviour over HTTP: prefix-cache hits for a shared system prompt, preemption when KV runs out.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadProfile } from '../src/sim/perf-model.ts';
import { startEngine } from '../src/sim/server.ts';
import { loadWhen, metricValue, streamRequest } from './sim-helpers.ts';

test('a shared system prompt yields prefix-cache hits: the second request prefills only its uncached tokens, so its modelled prefill is under half the first', async () => {
  const speedup = 2;
  const engine = await startEngine({ speedup });
  try {
    const system = { role: 'system', content: 'You answer questions about rivers. '.repeat(300) };
    const ask = (q: string) =>
      streamRequest(engine.url, {
        messages: [system, { role: 'user', content: q }],
        max_tokens: 3,
        stream_options: { include_usage: true },
      });
    const first = await ask('Which is longest?');
    const second = await ask('Which is widest?');
    assert.equal(first.usage.prompt_tokens_details.cached_tokens, 0);
    const cached = second.usage.prompt_tokens_details.cached_tokens;
    assert.ok(cached > 0.9 * second.usage.prompt_tokens, `${cached} of ${second.usage.prompt_tokens} cached`);
    const text = await engine.metricsText();
    // Wall-clock TTFT moves with the machine's load; the prefill work the engine actually did does not.
    const computed = metricValue(text, 'vllm:prompt_tokens_total');
    assert.equal(computed, first.usage.prompt_tokens + second.usage.prompt_tokens - cached);
    const perf = loadProfile('default');
    const prefillMs = (tokens: number) => perf.stepMs({ prefillTokens: tokens, decodeRequests: 0, kvUsage: 0 });
    const [firstMs, secondMs] = [prefillMs(first.usage.prompt_tokens), prefillMs(second.usage.prompt_tokens - cached)];
    assert.ok(secondMs < firstMs / 2, `modelled prefill ${firstMs.toFixed(1)} then ${secondMs.toFixed(1)} ms`);
    assert.equal(metricValue(text, 'vllm:prefix_cache_hits_total'), cached);
    assert.equal(
      metricValue(text, 'vllm:prefix_cache_queries_total'),
      first.usage.prompt_tokens + second.usage.prompt_tokens,
    );
  } finally {
    await engine.close();
  }
});

test('when KV is exhausted the newest request is preempted and recomputed, and every request completes', async () => {
  // 16 blocks × 16 tokens = 256 KV tokens; six requests of ~45 + 60 tokens need ~40 blocks together.
  const engine = await startEngine({ speedup: 20, numBlocks: 16, blockSize: 16, maxNumSeqs: 8 });
  try {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        streamRequest(engine.url, {
          messages: [{ role: 'user', content: `request ${i} `.repeat(14) }],
          max_tokens: 60,
          stream_options: { include_usage: true },
        }),
      ),
    );
    for (const r of results) {
      assert.equal(r.contents.length, 60);
      assert.equal(r.usage.completion_tokens, 60);
      assert.ok(r.done);
    }
    assert.ok(engine.scheduler.totals.preemptions > 0);
    const text = await engine.metricsText();
    assert.equal(metricValue(text, 'vllm:num_preemptions_total'), engine.scheduler.totals.preemptions);
    assert.equal(metricValue(text, 'vllm:request_success_total{finished_reason="length"'), 6);
    await loadWhen(engine, (l) => l.running === 0 && l.kvBlocksUsed === 0);
    assert.equal(metricValue(await engine.metricsText(), 'vllm:kv_cache_usage_perc'), 0);
  } finally {
    await engine.close();
  }
});
