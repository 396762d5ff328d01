import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterSum, engineFlags } from './fleet.ts';

test('engine settings become the CLI flags', () => {
  assert.deepEqual(engineFlags({ maxNumSeqs: 16, speedup: 0.5, numBlocks: undefined }), ['--max-num-seqs', '16', '--speedup', '0.5']);
});

test('counterSum adds every labelled sample of one counter and nothing else', () => {
  const text = `# HELP vllm:prefix_cache_hits_total Prefix cache hits
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{model_name="m",engine="0"} 120
vllm:prefix_cache_hits_total{model_name="m",engine="1"} 30
vllm:prefix_cache_hits_total_created 5
vllm:prefix_cache_queries_total 400
`;
  assert.equal(counterSum(text, 'vllm:prefix_cache_hits_total'), 150);
  assert.equal(counterSum(text, 'vllm:prefix_cache_queries_total'), 400);
});
