/**
 * How one metric of several workers becomes the gateway's. Counters and histograms add up, and so do the
 * gauges of what each worker holds itself (its in-flight requests, its queue, its connections, the load it
 * predicted). A gauge that every worker reads off shared state (the fleet's reconciled load, a deployment's
 * state or cooldown, a configured bound) already is the whole gateway's: adding it would count it N times.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

type Aggregator = 'max' | 'min' | 'average';

/** Gauges whose every worker says the whole gateway's value (or a share of one worker's window: averaged). */
const RULES: Readonly<Record<string, Aggregator>> = {
  spillway_router_queue_bound: 'max',
  spillway_backpressure_kv_blocks: 'max',
  spillway_deployment_state: 'max',
  spillway_deployment_cooldown_remaining_seconds: 'max',
  spillway_engine_backpressure_state: 'max',
  spillway_engine_requests_reported: 'max',
  spillway_engine_latency_window_seconds: 'max',
  spillway_engine_report_age_seconds: 'min',
  spillway_deployment_failure_rate: 'average',
  spillway_token_estimate_bytes_per_token: 'average',
  spillway_cluster_instances: 'max',
};

/** Gauges with a `source` label: `predicted` is each worker's own (added up), every other source the fleet's. */
const BY_SOURCE = new Set(['spillway_engine_kv_blocks', 'spillway_engine_queued_prefill_tokens']);

export type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** Sets each metric's aggregator in place (parts as `registry.getMetricsAsJSON()` gave them). */
export function applyMetricRules(parts: WorkerMetrics[]): void {
  for (const [w, part] of parts.entries()) {
    for (const m of part) {
      const rule = RULES[m.name];
      if (rule !== undefined) (m as { aggregator: string }).aggregator = rule;
      // The fleet's values from the first worker only, so the sum over workers counts them once.
      else if (BY_SOURCE.has(m.name) && w > 0) m.values = m.values.filter((v) => v.labels.source === 'predicted');
    }
  }
}
