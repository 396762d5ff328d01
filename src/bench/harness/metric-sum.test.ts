import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricSum } from './metric-sum.ts';

test('metricSum adds all labelled samples of one metric and nothing else, or only the series with given labels', () => {
  const text = `# HELP vllm:prefix_cache_hits_total Prefix cache hits
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{model_name="m",engine="0"} 120
vllm:prefix_cache_hits_total{model_name="m",engine="1"} 30
vllm:prefix_cache_hits_total_created 5
vllm:prefix_cache_queries_total 400
`;
  assert.equal(metricSum(text, 'vllm:prefix_cache_hits_total'), 150);
  assert.equal(metricSum(text, 'vllm:prefix_cache_queries_total'), 400);
  assert.equal(metricSum(text, 'vllm:prefix_cache_hits_total', ['engine="1"']), 30);
});
