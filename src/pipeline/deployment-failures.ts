/**
 * A failed attempt, on its deployment's account: counted in spillway_deployment_failure_responses_total, judged
 * by the deployment's cooldown policy, and, when that takes it out of rotation, counted and logged once. The
 * relay (a broken stream) and the retry handler (a failure before anything was relayed) both record here.
 */
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { Deployment } from '../routing/deployment.ts';

export class DeploymentFailures {
  private readonly metrics: GatewayMetrics;
  private readonly log: Logger;

  constructor(metrics: GatewayMetrics, log: Logger) {
    this.metrics = metrics;
    this.log = log;
  }

  /** `status`: the metric's label (an HTTP status, `timeout`, `connect_error`, `broken_stream`, ...). */
  record(d: Deployment, status: string, retryAfterMs: number | undefined): void {
    this.metrics.deploymentFailures.inc({ model_group: d.config.group, deployment: d.id, status });
    if (!d.recordFailure(status, retryAfterMs)) return;
    this.metrics.cooledDown.inc({ model_group: d.config.group, deployment: d.id, reason: status });
    this.log.warn(
      {
        deployment: d.id,
        model_group: d.config.group,
        cooldown_ms: d.cooldownRemainingMs(),
        last_failure: status,
        failure_rate: d.lastEjection?.failureRate,
        requests: d.lastEjection?.requests,
      },
      'deployment cooling down',
    );
  }
}
