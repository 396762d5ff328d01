/**
 * Active health checks: a probe per deployment every `interval`, on its own timer, never on a request's path.
 * A deployment turns unhealthy after `unhealthy_threshold` failed probes in a row and healthy again after
 * `healthy_threshold` passing ones (Envoy's outlier thresholds); the checker is the one writer of
 * `Deployment.healthy`, which the group's `healthy` filter reads (../routing/group-filters/healthy.ts). A dead
 * deployment therefore leaves routing within interval × unhealthy_threshold (+ one timeout), and comes back
 * within interval × healthy_threshold of answering again.
 *
 * Probes go through an Agent of their own (one connection per origin), so a deployment whose request pool is
 * full still gets probed and a probe never waits behind traffic. Each deployment's next probe is scheduled when
 * its last one ends, so probes of one deployment never overlap; the first ones are spread over an interval so
 * a large fleet is not probed in one burst. Every timer is unref'd. With several instances (--workers, Redis)
 * each probes alone (docs/OPERATIONS.md).
 */
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { HealthCheckConfig } from '../config/health-checks.ts';
import type { Deployment } from '../routing/deployment.ts';
import { PROBES, type ProbeRequest } from './probes.ts';

/** One deployment's checks. */
export interface HealthTarget {
  readonly deployment: Deployment;
  /** The verdict of the thresholds; true until they say otherwise. */
  healthy: boolean;
  /** Wall-clock ms of the last probe's end; 0 before the first. */
  checkedAt: number;
  /** Why the last probe failed: an HTTP status or an error code; undefined after a pass. */
  lastError: string | undefined;
  passes: number;
  failures: number;
}

interface Target extends HealthTarget {
  readonly url: string;
  readonly probe: ProbeRequest;
  readonly headers: Record<string, string>;
  timer: NodeJS.Timeout | undefined;
  inFlight: AbortController | undefined;
}

export interface HealthCheckerOptions {
  deployments: readonly Deployment[];
  config: HealthCheckConfig;
  /**
   * Whether the verdicts take deployments out of routing (`Deployment.healthy`): true for the configured
   * checks; false for the on-demand ones GET /health runs while they are off.
   */
  routes: boolean;
  log?: Logger;
}

export class HealthChecker {
  private readonly config: HealthCheckConfig;
  private targets: Target[];
  private readonly agent: Agent;
  private readonly log: Logger | undefined;
  private readonly routes: boolean;
  private running = false;
  private stopped = false;

  constructor(o: HealthCheckerOptions) {
    this.config = o.config;
    this.log = o.log;
    this.routes = o.routes;
    this.agent = new Agent({ connections: 1, connect: { timeout: o.config.timeoutMs } });
    this.targets = o.deployments.map((d) => this.targetOf(d));
  }

  private targetOf(d: Deployment): Target {
    const probe = PROBES[this.config.probe].request(d.config, this.config.path);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.config.apiKey) headers.authorization = `Bearer ${d.config.apiKey}`;
    return {
      deployment: d,
      healthy: true,
      url: d.config.apiBase + probe.path,
      probe,
      headers,
      checkedAt: 0,
      lastError: undefined,
      passes: 0,
      failures: 0,
      timer: undefined,
      inFlight: undefined,
    };
  }

  /**
   * A reload's change (src/reload): removed deployments stop being probed, added ones start healthy, their
   * first probes spread over one interval.
   */
  follow(added: readonly Deployment[], removed: readonly Deployment[]): void {
    const gone = new Set(removed);
    for (const t of this.targets) {
      if (!gone.has(t.deployment)) continue;
      clearTimeout(t.timer);
      t.timer = undefined;
      t.inFlight?.abort();
    }
    this.targets = this.targets.filter((t) => !gone.has(t.deployment));
    const fresh = added.map((d) => this.targetOf(d));
    this.targets.push(...fresh);
    if (!this.running) return;
    const n = fresh.length;
    for (let i = 0; i < n; i++) this.schedule(fresh[i], Math.floor((i * this.config.intervalMs) / n));
  }

  /** Each deployment's last result, in config order. */
  status(): readonly HealthTarget[] {
    return this.targets;
  }

  /** Starts the background probes: the first ones spread over one interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const n = this.targets.length;
    for (let i = 0; i < n; i++) this.schedule(this.targets[i], Math.floor((i * this.config.intervalMs) / n));
  }

  /** Stops every timer, aborts the probes in flight and closes the probes' connections. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    for (const t of this.targets) {
      clearTimeout(t.timer);
      t.timer = undefined;
      t.inFlight?.abort();
    }
    await this.agent.close();
  }

  /** Probes every deployment once now and records the results (GET /health when background checks are off). */
  async checkAll(): Promise<readonly HealthTarget[]> {
    await Promise.all(this.targets.map((t) => this.check(t)));
    return this.targets;
  }

  private schedule(t: Target, delayMs: number): void {
    t.timer = setTimeout(() => this.tick(t), delayMs);
    t.timer.unref();
  }

  private tick(t: Target): void {
    t.timer = undefined;
    this.check(t).then(() => {
      if (this.running) this.schedule(t, this.config.intervalMs);
    });
  }

  /** One probe of `t`, its result recorded; never rejects. */
  private async check(t: Target): Promise<void> {
    const error = await this.probe(t);
    if (this.stopped) return;
    t.checkedAt = Date.now();
    t.lastError = error;
    if (error === undefined) {
      t.failures = 0;
      t.passes++;
      if (!t.healthy && t.passes >= this.config.healthyThreshold) this.mark(t, true);
    } else {
      t.passes = 0;
      t.failures++;
      if (t.healthy && t.failures >= this.config.unhealthyThreshold) this.mark(t, false);
    }
  }

  private mark(t: Target, healthy: boolean): void {
    t.healthy = healthy;
    if (!this.routes) return;
    const d = t.deployment;
    d.healthy = healthy;
    this.log?.warn(
      { deployment: d.id, model_group: d.config.group, error: t.lastError },
      healthy ? 'deployment healthy again' : 'deployment unhealthy: out of routing',
    );
  }

  /** undefined when the probe passed, else why it failed. */
  private async probe(t: Target): Promise<string | undefined> {
    const abort = new AbortController();
    t.inFlight = abort;
    const timer = setTimeout(() => abort.abort(), this.config.timeoutMs);
    timer.unref();
    try {
      const res = await request(t.url, {
        method: t.probe.method,
        headers: t.headers,
        body: t.probe.body,
        dispatcher: this.agent,
        signal: abort.signal,
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `status ${res.statusCode}`;
    } catch (err) {
      if (abort.signal.aborted) return 'timeout';
      return (err as { code?: string }).code ?? (err as Error).message;
    } finally {
      clearTimeout(timer);
      t.inFlight = undefined;
    }
  }
}
