import { metricSum } from './metric-sum.ts';

/** What must be back to zero once nothing is in flight (docs/METRICS.md), read from /metrics. */
export function accountingFigures(text: string): Record<string, number> {
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    spillway_deployment_in_flight: metricSum(text, 'spillway_deployment_in_flight'),
    spillway_backpressure_in_flight: metricSum(text, 'spillway_backpressure_in_flight'),
    spillway_router_queue_depth: metricSum(text, 'spillway_router_queue_depth'),
    'spillway_backpressure_kv_blocks{kind="in_flight"}': r3(
      metricSum(text, 'spillway_backpressure_kv_blocks', ['kind="in_flight"']),
    ),
    'spillway_engine_kv_blocks{source="predicted"}': r3(
      metricSum(text, 'spillway_engine_kv_blocks', ['source="predicted"']),
    ),
    'spillway_engine_queued_prefill_tokens{source="predicted"}': r3(
      metricSum(text, 'spillway_engine_queued_prefill_tokens', ['source="predicted"']),
    ),
  };
}
