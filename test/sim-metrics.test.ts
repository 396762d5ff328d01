// /metrics uses vLLM's names (golden list, checked against docs/SIMULATOR.md) and moves with the engine.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { loadWhen, metricValue, streamRequest, userMessage } from './sim-helpers.ts';

const GOLDEN = [
  'vllm:cache_config_info',
  'vllm:e2e_request_latency_seconds',
  'vllm:generation_tokens_total',
  'vllm:inter_token_latency_seconds',
  'vllm:iteration_tokens_total',
  'vllm:kv_cache_usage_perc',
  'vllm:num_preemptions_total',
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'vllm:prefix_cache_hits_total',
  'vllm:prefix_cache_queries_total',
  'vllm:prompt_tokens_total',
  'vllm:request_queue_time_seconds',
  'vllm:request_success_total',
  'vllm:time_to_first_token_seconds',
  'spillway_sim_rejected_requests_total',
];

test('metric names match the golden list and the docs', async () => {
  const engine = await startEngine();
  try {
    const text = await engine.metricsText();
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]).sort();
    assert.deepEqual(names, [...GOLDEN].sort());
    const doc = readFileSync(new URL('../docs/SIMULATOR.md', import.meta.url), 'utf8');
    for (const n of GOLDEN) assert.ok(doc.includes(`\`${n}\``), `docs/SIMULATOR.md lists ${n}`);
    assert.match(
      text,
      /vllm:cache_config_info\{block_size="16",num_gpu_blocks="4096",.*model_name="sim-llama",engine="0"\} 1/,
    );
  } finally {
    await engine.close();
  }
});

test('metrics move with the engine', async () => {
  const engine = await startEngine({ speedup: 20, model: 'm' });
  try {
    const long = streamRequest(engine.url, { messages: userMessage('long'), max_tokens: 400 });
    await loadWhen(engine, (l) => l.running === 1);
    let text = await (await fetch(`${engine.url}/metrics`)).text();
    assert.equal(metricValue(text, 'vllm:num_requests_running{model_name="m"'), 1);
    assert.ok(metricValue(text, 'vllm:kv_cache_usage_perc') > 0);
    const short = await Promise.all(
      [1, 2, 3].map(() => streamRequest(engine.url, { messages: userMessage('s'), max_tokens: 10 })),
    );
    await long;
    await loadWhen(engine, (l) => l.running === 0);
    text = await engine.metricsText();
    const usage = short.length * 10 + 400;
    assert.equal(metricValue(text, 'vllm:generation_tokens_total'), usage);
    assert.equal(metricValue(text, 'vllm:request_success_total{finished_reason="length"'), 4);
    assert.equal(metricValue(text, 'vllm:time_to_first_token_seconds_count'), 4);
    assert.equal(metricValue(text, 'vllm:inter_token_latency_seconds_count'), usage - 4);
    assert.equal(metricValue(text, 'vllm:e2e_request_latency_seconds_count'), 4);
    assert.equal(metricValue(text, 'vllm:num_requests_running'), 0);
    assert.equal(metricValue(text, 'vllm:kv_cache_usage_perc'), 0);
    // Decode steps of the default profile last ≥ 5.74 simulated ms: ITL is reported in wall seconds.
    const meanItl = metricValue(text, 'vllm:inter_token_latency_seconds_sum') / (usage - 4);
    assert.ok(meanItl >= 0.00574 / 20 && meanItl < 0.1 / 20, `mean ITL ${meanItl}`);
  } finally {
    await engine.close();
  }
});
