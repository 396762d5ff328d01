/**
 * Health and metrics for the whole gateway, whichever worker a client reaches. A worker's answers to
 * /metrics, /health/readiness and /health/upstreams are the supervisor's (`relayedOps`), which collects every
 * worker's part and combines them here: metrics by prom-client's AggregatorRegistry, with the rules of
 * ./metric-rules.ts; upstream health per deployment with the counts added and the cooldown as the longest.
 * GET /admin/backpressure (and a PUT's answer) is the settings, the same in every worker, beside each worker's
 * live state: queues, drain rates and adaptive limits are each worker's own, so they are listed, not added.
 * Off the hot path.
 */
import type { ServerResponse } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import type { OpsHandlers } from '../../ingress/ingress-options.ts';
import type { BackpressureAnswer } from '../../ops/backpressure-admin.ts';
import { sendJson, sendJsonText } from '../../ops/json-response.ts';
import { sendError } from '../../outcome/openai-error.ts';
import { settingsInForce } from '../../pipeline/backpressure/settings.ts';
import { applyMetricRules, type WorkerMetrics } from './metric-rules.ts';
import type { GatewayQuestion, MetricsText, WorkerPart, WorkerState } from './protocol.ts';

type Ask = (what: GatewayQuestion) => Promise<unknown>;

function failed(res: ServerResponse, err: unknown): void {
  const message = `The workers did not answer: ${(err as Error).message}`;
  sendError(res, 500, { message, type: 'server_error', param: null, code: null });
}

/** A worker's ops answers: models and liveness its own, the rest the whole gateway's. */
export function relayedOps(own: OpsHandlers, ask: Ask): OpsHandlers {
  return {
    models: own.models,
    liveness: own.liveness,
    readiness(res, draining) {
      if (draining) return own.readiness(res, true);
      ask('readiness').then(
        (ready) => own.readiness(res, ready !== true),
        () => own.readiness(res, true),
      );
    },
    upstreams(res) {
      ask('upstreams').then(
        (body) => sendJsonText(res, 200, body as string),
        (err) => failed(res, err),
      );
    },
    metrics(res) {
      ask('metrics').then(
        (m) => {
          const { text, contentType } = m as MetricsText;
          res.writeHead(200, { 'content-type': contentType });
          res.end(text);
        },
        (err) => failed(res, err),
      );
    },
  };
}

/** A worker's /admin/backpressure answer: `{ settings, workers: [{ worker, state }, …] }`, by worker index. */
export function relayedBackpressure(ask: Ask): BackpressureAnswer {
  return (bp, res) => {
    ask('backpressure').then(
      (workers) => sendJson(res, 200, { settings: settingsInForce(bp), workers }),
      (err) => failed(res, err),
    );
  };
}

/** How the supervisor makes one answer of every worker's part. */
export const COMBINE: { readonly [W in WorkerPart]: (parts: unknown[]) => unknown } = {
  metrics: (parts) => aggregateMetrics(parts as WorkerMetrics[]),
  upstreams: (parts) => mergeUpstreams(parts as string[]),
  backpressure: (parts) => (parts as WorkerState[]).sort((a, b) => a.worker - b.worker),
};

export async function aggregateMetrics(parts: WorkerMetrics[]): Promise<MetricsText> {
  applyMetricRules(parts);
  const registry = AggregatorRegistry.aggregate(parts);
  return { text: await registry.metrics(), contentType: registry.contentType };
}

interface DeploymentHealth {
  state: string;
  in_flight: number;
  window_requests: number;
  window_failures: number;
  failure_rate: number;
  cooldown_remaining_ms: number;
  retry_after_hold_ms: number;
  ejections: number;
  ejections_prevented: number;
}
interface GroupHealth {
  deployments_cooling_down: number;
  panic_routed: number;
  deployments: DeploymentHealth[];
}

/** Every worker's /health/upstreams (../../ops/upstream-health.ts) as one: same groups and deployments, in order. */
export function mergeUpstreams(parts: readonly string[]): string {
  const [first, ...rest] = parts.map((p) => JSON.parse(p) as { model_groups: GroupHealth[] });
  if (first === undefined) throw new Error('no worker answered');
  for (const [g, group] of first.model_groups.entries()) {
    for (const other of rest) {
      const og = other.model_groups[g]!;
      group.panic_routed += og.panic_routed;
      for (const [i, d] of group.deployments.entries()) addDeployment(d, og.deployments[i]!);
    }
    for (const d of group.deployments) {
      d.failure_rate = d.window_requests === 0 ? 0 : Math.round((d.window_failures / d.window_requests) * 1e4) / 1e4;
    }
    group.deployments_cooling_down = group.deployments.filter((d) => d.state === 'cooling_down').length;
  }
  return JSON.stringify(first);
}

const STATE_RANK: Record<string, number> = { healthy: 0, at_limit: 1, cooling_down: 2 };

function addDeployment(into: DeploymentHealth, d: DeploymentHealth): void {
  if ((STATE_RANK[d.state] ?? 0) > (STATE_RANK[into.state] ?? 0)) into.state = d.state;
  into.in_flight += d.in_flight;
  into.window_requests += d.window_requests;
  into.window_failures += d.window_failures;
  into.ejections += d.ejections;
  into.ejections_prevented += d.ejections_prevented;
  into.cooldown_remaining_ms = Math.max(into.cooldown_remaining_ms, d.cooldown_remaining_ms);
  into.retry_after_hold_ms = Math.max(into.retry_after_hold_ms, d.retry_after_hold_ms);
}
