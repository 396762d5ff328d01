import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mean, parsePrometheusText, sum } from './prometheus-text.ts';

const TEXT = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 3.0
vllm:num_requests_running{engine="1",model_name="m"} 4.0
vllm:num_requests_running_extra{engine="0"} 99
vllm:num_requests_waiting 2 1712345678000
vllm:kv_cache_usage_perc{engine="0",model_name="a \\"quoted\\", {braced} name"} 0.25
vllm:odd{x="1"} NaN
vllm:inf{x="1"} +Inf
vllm:broken{x="1} 5
vllm:cache_config_info{block_size="16",num_gpu_blocks="None"} 1.0
`;

test('reads only the wanted names, with labels, escapes and timestamps', () => {
  const m = parsePrometheusText(TEXT, [
    'vllm:num_requests_running',
    'vllm:num_requests_waiting',
    'vllm:kv_cache_usage_perc',
    'vllm:cache_config_info',
    'vllm:odd',
    'vllm:inf',
    'vllm:broken',
  ]);
  assert.equal(m.get('vllm:num_requests_running')?.length, 2, 'a longer name with the same prefix is another metric');
  assert.equal(sum(m, 'vllm:num_requests_running'), 7);
  assert.equal(sum(m, 'vllm:num_requests_waiting'), 2);
  assert.deepEqual(m.get('vllm:kv_cache_usage_perc')?.[0].labels, {
    engine: '0',
    model_name: 'a "quoted", {braced} name',
  });
  assert.equal(mean(m, 'vllm:kv_cache_usage_perc'), 0.25);
  assert.deepEqual(m.get('vllm:cache_config_info')?.[0].labels, { block_size: '16', num_gpu_blocks: 'None' });
  assert.ok(Number.isNaN(m.get('vllm:odd')![0].value));
  assert.equal(mean(m, 'vllm:odd'), undefined, 'NaN is not averaged');
  assert.equal(m.get('vllm:inf')![0].value, Infinity);
  assert.equal(m.has('vllm:broken'), false, 'an unterminated label value is skipped, not misread');
  assert.equal(sum(m, 'vllm:absent'), undefined);
});

test('CRLF line ends and a last line without a newline', () => {
  const m = parsePrometheusText('a 1\r\nb{x="y"} 2', ['a', 'b']);
  assert.equal(sum(m, 'a'), 1);
  assert.equal(sum(m, 'b'), 2);
});
