/**
 * GET /health in LiteLLM's shape: the deployments that passed their health check and those that did not,
 *   { healthy_endpoints: [...], unhealthy_endpoints: [...], healthy_count, unhealthy_count }
 * each entry naming the deployment (`model` as in litellm_params, `api_base`, `model_name`, `model_id`; never
 * its key), an unhealthy one with the `error` of its last probe. It answers 200 whatever the verdicts, as LiteLLM
 * does. With health checks on it reports their verdicts; off, it probes every deployment once, as LiteLLM's
 * /health does without background checks.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { HealthCheckConfig } from '../config/health-checks.ts';
import { HealthChecker, type HealthTarget } from '../health/checker.ts';
import type { Deployment } from '../routing/deployment.ts';
import { sendJsonText } from './json-response.ts';

function endpoint(t: HealthTarget) {
  const c = t.deployment.config;
  return {
    model: `${c.provider}/${c.upstreamModel}`,
    api_base: c.apiBase,
    model_name: c.group,
    model_id: t.deployment.id,
    ...(!t.healthy && { error: t.lastError ?? 'unhealthy' }),
  };
}

export function healthEndpoints(targets: readonly HealthTarget[]): string {
  const healthy = targets.filter((t) => t.healthy).map(endpoint);
  const unhealthy = targets.filter((t) => !t.healthy).map(endpoint);
  return JSON.stringify({
    healthy_endpoints: healthy,
    unhealthy_endpoints: unhealthy,
    healthy_count: healthy.length,
    unhealthy_count: unhealthy.length,
  });
}

/** The probes of GET /health while background checks are off: one result each, nothing routed on it. */
const ON_DEMAND: HealthCheckConfig = {
  intervalMs: 1,
  timeoutMs: 5_000,
  unhealthyThreshold: 1,
  healthyThreshold: 1,
  probe: 'models',
};

/** The gateway's health checks and the /health answer; `checks` undefined: health checks are off. */
export class GatewayHealth {
  /** The background checker, when health checks are on. */
  readonly checker: HealthChecker | undefined;
  private readonly onDemand: HealthChecker | undefined;

  constructor(deployments: readonly Deployment[], checks: HealthCheckConfig | undefined, log?: Logger) {
    this.checker = checks && new HealthChecker({ deployments, config: checks, routes: true, log });
    this.onDemand = checks ? undefined : new HealthChecker({ deployments, config: ON_DEMAND, routes: false });
  }

  readonly handle = (res: ServerResponse): void => {
    if (this.checker !== undefined) return sendJsonText(res, 200, healthEndpoints(this.checker.status()));
    this.onDemand!.checkAll().then((targets) => sendJsonText(res, 200, healthEndpoints(targets)));
  };

  start(): void {
    this.checker?.start();
  }

  /** A reload's change: the checks follow the deployments (src/reload). */
  follow(added: readonly Deployment[], removed: readonly Deployment[]): void {
    this.checker?.follow(added, removed);
    this.onDemand?.follow(added, removed);
  }

  async stop(): Promise<void> {
    await Promise.all([this.checker?.stop(), this.onDemand?.stop()]);
  }
}
