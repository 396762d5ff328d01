import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sglangReport, vllmReport } from './engine-metrics.ts';

test('vLLM: two data-parallel engines add up; KV use is the mean fraction times all blocks', () => {
  const r = vllmReport(`# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3
vllm:num_requests_running{engine="1",model_name="m"} 5
vllm:num_requests_waiting{engine="0",model_name="m"} 1
vllm:num_requests_waiting{engine="1",model_name="m"} 0
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.5
vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.25
vllm:cache_config_info{block_size="16",engine="0",num_gpu_blocks="1000"} 1.0
vllm:cache_config_info{block_size="16",engine="1",num_gpu_blocks="1000"} 1.0
vllm:prefix_cache_queries_total{engine="0",model_name="m"} 9000
vllm:prefix_cache_queries_total{engine="1",model_name="m"} 1000
vllm:prefix_cache_hits_total{engine="0",model_name="m"} 6000
vllm:prefix_cache_hits_total{engine="1",model_name="m"} 500
`);
  assert.deepEqual(r, {
    running: 8,
    waiting: 1,
    kvUsage: 0.375,
    kvBlocksUsed: 750,
    kvBlocksTotal: 2000,
    blockSize: 16,
    prefixQueries: 10_000,
    prefixHits: 6500,
  });
});

test('vLLM v0 KV gauge, and capacity not yet known ("None"): usage fraction only', () => {
  const r = vllmReport(`vllm:num_requests_running 1
vllm:num_requests_waiting 0
vllm:gpu_cache_usage_perc 0.1
vllm:cache_config_info{block_size="32",num_gpu_blocks="None"} 1
`);
  assert.deepEqual(r, {
    running: 1,
    waiting: 0,
    kvUsage: 0.1,
    kvBlocksUsed: undefined,
    kvBlocksTotal: undefined,
    blockSize: 32,
    prefixQueries: undefined,
    prefixHits: undefined,
  });
});

test('SGLang: token pool in blocks of the configured size', () => {
  const r = sglangReport(16)(`# HELP sglang:num_running_reqs The number of running requests.
sglang:num_running_reqs{model_name="m"} 6
sglang:num_queue_reqs{model_name="m"} 2
sglang:num_used_tokens{model_name="m"} 32000
sglang:token_usage{model_name="m"} 0.2
sglang:max_total_num_tokens{model_name="m"} 160000
sglang:cache_hit_rate{model_name="m"} 0.5
`);
  assert.deepEqual(r, {
    running: 6,
    waiting: 2,
    kvUsage: 0.2,
    kvBlocksUsed: 2000,
    kvBlocksTotal: 10000,
    blockSize: 16,
  });
});

test('an empty or foreign exposition yields an empty report, not zeros', () => {
  const r = vllmReport('sglang:num_running_reqs 3\n');
  assert.equal(r.running, undefined);
  assert.equal(r.kvBlocksUsed, undefined);
  assert.equal(sglangReport(16)('').waiting, undefined);
});
