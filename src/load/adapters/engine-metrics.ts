/**
 * Engine metric names → LoadReport, one mapping per engine kind that exposes Prometheus metrics.
 *
 * vLLM (docs "Production Metrics", v1 names; the v0 KV gauge is read when the v1 one is absent):
 *   vllm:num_requests_running, vllm:num_requests_waiting   gauges, one series per data-parallel engine
 *   vllm:kv_cache_usage_perc (v0: vllm:gpu_cache_usage_perc)   KV use, 1 = 100 %
 *   vllm:cache_config_info{num_gpu_blocks, block_size}      capacity as labels of an info gauge
 *   vllm:prefix_cache_queries_total, vllm:prefix_cache_hits_total   prefix cache lookups and hits, in tokens
 * The simulator (src/sim) speaks the same names.
 *
 * SGLang (docs "Production Metrics" and the scheduler's metrics collector, python/sglang/srt/metrics/collector.py):
 *   sglang:num_running_reqs, sglang:num_queue_reqs   gauges
 *   sglang:num_used_tokens, sglang:max_total_num_tokens   KV pool use and size, in tokens
 *   sglang:token_usage   KV use as a fraction (used when the token counts are absent)
 * SGLang exports its prefix hit rate only as a gauge (sglang:cache_hit_rate), not as counters: not read.
 * SGLang's pool is counted in tokens (page size 1 by default): blocks here are `blockSize` tokens, the
 * accounting unit configured for the deployment.
 */
import type { LoadReport } from '../report.ts';
import { mean, parsePrometheusText, sum } from './prometheus-text.ts';

export type MetricsMapping = (text: string) => LoadReport;

const VLLM_NAMES = [
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'vllm:kv_cache_usage_perc',
  'vllm:gpu_cache_usage_perc',
  'vllm:cache_config_info',
  'vllm:prefix_cache_queries_total',
  'vllm:prefix_cache_hits_total',
];

function positiveInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n > 0 ? n : undefined; // vLLM writes "None" before the cache is sized
}

export function vllmReport(text: string): LoadReport {
  const m = parsePrometheusText(text, VLLM_NAMES);
  let kvBlocksTotal: number | undefined;
  let blockSize: number | undefined;
  for (const info of m.get('vllm:cache_config_info') ?? []) {
    const blocks = positiveInt(info.labels.num_gpu_blocks);
    if (blocks !== undefined) kvBlocksTotal = (kvBlocksTotal ?? 0) + blocks;
    blockSize ??= positiveInt(info.labels.block_size);
  }
  const kvUsage = mean(m, 'vllm:kv_cache_usage_perc') ?? mean(m, 'vllm:gpu_cache_usage_perc');
  return {
    running: sum(m, 'vllm:num_requests_running'),
    waiting: sum(m, 'vllm:num_requests_waiting'),
    kvUsage,
    kvBlocksUsed: kvUsage !== undefined && kvBlocksTotal !== undefined ? kvUsage * kvBlocksTotal : undefined,
    kvBlocksTotal,
    blockSize,
    prefixQueries: sum(m, 'vllm:prefix_cache_queries_total'),
    prefixHits: sum(m, 'vllm:prefix_cache_hits_total'),
  };
}

const SGLANG_NAMES = [
  'sglang:num_running_reqs',
  'sglang:num_queue_reqs',
  'sglang:num_used_tokens',
  'sglang:max_total_num_tokens',
  'sglang:token_usage',
];

export function sglangReport(blockSize: number): MetricsMapping {
  return (text) => {
    const m = parsePrometheusText(text, SGLANG_NAMES);
    const totalTokens = sum(m, 'sglang:max_total_num_tokens');
    const usedTokens = sum(m, 'sglang:num_used_tokens');
    const kvUsage =
      mean(m, 'sglang:token_usage') ?? (usedTokens !== undefined && totalTokens ? usedTokens / totalTokens : undefined);
    return {
      running: sum(m, 'sglang:num_running_reqs'),
      waiting: sum(m, 'sglang:num_queue_reqs'),
      kvUsage,
      kvBlocksUsed: usedTokens !== undefined ? usedTokens / blockSize : undefined,
      kvBlocksTotal: totalTokens ? totalTokens / blockSize : undefined,
      blockSize,
    };
  };
}
