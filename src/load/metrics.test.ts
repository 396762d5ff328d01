import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { registerLoadMetrics } from './metrics.ts';
import { testFleet } from './test-support.ts';

test('per-engine load metrics show prediction, report and reconciled view side by side', async () => {
  const { fleet } = testFleet(2, { blockSize: 16 });
  const registry = new Registry();
  registerLoadMetrics(
    registry,
    fleet,
    () => 'g',
    () => ['g'],
  );
  const e0 = fleet.engine('e0');
  const mark = e0.markSample();
  const body = { prompt: 'p'.repeat(64 * 100) }; // 1600 tokens
  e0.reserve(fleet.analyze('g', 'completions', body)).release();
  const permit = e0.reserve(fleet.analyze('g', 'completions', body)); // all cached now: 0 uncached
  const open = e0.reserve(fleet.analyze('g', 'completions', { prompt: 'q'.repeat(64 * 10) })); // 160 tokens
  e0.report({ running: 3, waiting: 1, kvBlocksUsed: 40, kvBlocksTotal: 500, blockSize: 16 }, mark);
  e0.reportFailed();

  const text = await registry.metrics();
  const line = (s: string) => assert.ok(text.includes(s), `missing ${s}\n${text}`);
  line('spillway_engine_kv_blocks{model_group="g",deployment="e0",source="predicted"} 10');
  line('spillway_engine_kv_blocks{model_group="g",deployment="e0",source="reported"} 40');
  line('spillway_engine_kv_blocks{model_group="g",deployment="e0",source="reconciled"} 50');
  line('spillway_engine_kv_blocks{model_group="g",deployment="e0",source="capacity"} 500');
  line('spillway_engine_queued_prefill_tokens{model_group="g",deployment="e0",source="predicted"} 160');
  line('spillway_engine_requests_reported{model_group="g",deployment="e0",state="waiting"} 1');
  line('spillway_engine_report_age_seconds{model_group="g",deployment="e0"} 0');
  line('spillway_engine_report_failures_total{model_group="g",deployment="e0"} 1');
  line('spillway_engine_prompt_tokens_total{model_group="g",deployment="e0"} 3360');
  line('spillway_engine_prefix_cached_tokens_total{model_group="g",deployment="e0"} 1600');
  line('spillway_prefix_index_blocks 27'); // 25 + 2 blocks of 256 B
  line('spillway_token_estimate_bytes_per_token{model_group="g"} 4');
  assert.ok(!text.includes('deployment="e1",source="reported"'), 'no report, no reported series');
  permit.release();
  open.release();
  fleet.assertDrained();
});
