/**
 * Per-engine load metrics: the prediction, the engine's own report, and the reconciled view routing used,
 * side by side, plus the prefix hit estimate and the token estimate's calibration. Everything is read from
 * FleetLoad when /metrics is scraped; the request path never touches a metric object.
 *
 * Rows for docs/METRICS.md (labels model_group, deployment unless noted):
 *   spillway_engine_kv_blocks                 gauge  + source: predicted | reported | reconciled | capacity
 *   spillway_engine_queued_prefill_tokens     gauge  + source: predicted | reconciled
 *   spillway_engine_requests_reported         gauge  + state: running | waiting (the engine's last report)
 *   spillway_engine_report_age_seconds        gauge  since the last report was sampled (absent before one)
 *   spillway_engine_report_failures_total     counter failed scrapes / dropped feeds
 *   spillway_engine_prompt_tokens_total       counter prompt tokens dispatched (estimated)
 *   spillway_engine_prefix_cached_tokens_total counter of those, estimated cached on the engine (hit rate = ratio)
 *   spillway_prefix_index_blocks              gauge  (no labels) block hashes held by the prefix index
 *   spillway_token_estimate_bytes_per_token   gauge  (model_group) the calibrated ratio
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FleetLoad } from './fleet.ts';

export function registerLoadMetrics(
  registry: Registry,
  fleet: FleetLoad,
  groupOf: (deploymentId: string) => string,
  groups: () => Iterable<string>,
): void {
  const registers = [registry];
  const engines = () => fleet.all();
  new Gauge({
    name: 'spillway_engine_kv_blocks',
    help:
      'KV cache blocks of an engine: predicted from dispatches, ' +
      'last reported, reconciled (used for routing), capacity.',
    labelNames: ['model_group', 'deployment', 'source'],
    registers,
    collect() {
      this.reset();
      for (const e of engines()) {
        const labels = { model_group: groupOf(e.id), deployment: e.id };
        this.set({ ...labels, source: 'predicted' }, e.predictedKvBlocks());
        this.set({ ...labels, source: 'reconciled' }, e.kvBlocksUsed());
        const reported = e.lastReport?.kvBlocksUsed;
        if (reported !== undefined) this.set({ ...labels, source: 'reported' }, reported);
        const capacity = e.kvBlocksTotal;
        if (capacity !== undefined) this.set({ ...labels, source: 'capacity' }, capacity);
      }
    },
  });
  new Gauge({
    name: 'spillway_engine_queued_prefill_tokens',
    help:
      'Prompt tokens dispatched to an engine whose first token has ' +
      'not been seen: predicted, and reconciled with the engine report.',
    labelNames: ['model_group', 'deployment', 'source'],
    registers,
    collect() {
      for (const e of engines()) {
        const labels = { model_group: groupOf(e.id), deployment: e.id };
        this.set({ ...labels, source: 'predicted' }, e.predicted.queuedPrefillTokens);
        this.set({ ...labels, source: 'reconciled' }, e.queuedPrefillTokens());
      }
    },
  });
  new Gauge({
    name: 'spillway_engine_requests_reported',
    help: 'Requests running and waiting on an engine, as it last reported them.',
    labelNames: ['model_group', 'deployment', 'state'],
    registers,
    collect() {
      this.reset();
      for (const e of engines()) {
        const r = e.lastReport;
        const labels = { model_group: groupOf(e.id), deployment: e.id };
        if (r?.running !== undefined) this.set({ ...labels, state: 'running' }, r.running);
        if (r?.waiting !== undefined) this.set({ ...labels, state: 'waiting' }, r.waiting);
      }
    },
  });
  new Gauge({
    name: 'spillway_engine_report_age_seconds',
    help: 'Seconds since the engine last sampled a report that reached the gateway.',
    labelNames: ['model_group', 'deployment'],
    registers,
    collect() {
      this.reset();
      for (const e of engines()) {
        const age = e.reportAgeMs();
        if (Number.isFinite(age)) this.set({ model_group: groupOf(e.id), deployment: e.id }, age / 1000);
      }
    },
  });
  const counter = (name: string, help: string, read: (e: ReturnType<typeof fleet.engine>) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        this.reset();
        for (const e of engines()) this.inc({ model_group: groupOf(e.id), deployment: e.id }, read(e));
      },
    });
  counter(
    'spillway_engine_report_failures_total',
    'Failed load scrapes and dropped load feeds, per engine.',
    (e) => e.reportFailures,
  );
  counter(
    'spillway_engine_prompt_tokens_total',
    'Prompt tokens dispatched to an engine (estimated).',
    (e) => e.promptTokensTotal,
  );
  counter(
    'spillway_engine_prefix_cached_tokens_total',
    'Prompt tokens dispatched to an engine that the prefix index estimated cached there.',
    (e) => e.cachedTokensTotal,
  );
  new Gauge({
    name: 'spillway_prefix_index_blocks',
    help: 'Prompt block hashes held by the prefix index.',
    registers,
    collect() {
      this.set(fleet.index.size);
    },
  });
  new Gauge({
    name: 'spillway_token_estimate_bytes_per_token',
    help: 'Prompt bytes per token, calibrated from upstream usage reports, per model group.',
    labelNames: ['model_group'],
    registers,
    collect() {
      for (const g of groups()) this.set({ model_group: g }, fleet.estimator.bytesPerToken(g));
    },
  });
}
