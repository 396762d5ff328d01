/**
 * Applies a new configuration to a running gateway (`spillway serve` on SIGHUP or a file change): plans what
 * may change live (./plan.ts), builds the new routing set keeping what did not change (./routing-set.ts), swaps
 * it in with one assignment, and drains the deployments it left out: each one's pool closes once no attempt
 * holds it, and its load model goes with it. Requests already routed keep the groups and deployments they
 * hold until they end.
 */
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.ts';
import { forgetRetired, queuedFor, type RegroupTarget, regroup } from '../pipeline/backpressure/regroup.ts';
import type { Deployment } from '../routing/deployment.ts';
import { planReload } from './plan.ts';
import { buildRouting, type RoutingChange, type RoutingParts, type RoutingSet } from './routing-set.ts';

/** How often a removed deployment is looked at until its last attempt ended (only while one drains). */
const DRAIN_CHECK_MS = 100;

export type ReloadResult = 'applied' | 'invalid' | 'refused';

export interface ReloaderOptions {
  /** The config running now; replaced by each applied reload. */
  config: GatewayConfig;
  parts: RoutingParts;
  /** The one reference readers take the routing set from. */
  live: { current: RoutingSet };
  /** Told after each swap (the ingress's model lookup, the health checks). */
  swapped(change: RoutingChange): void;
  /** Back pressure, when on: its per-group state follows the new groups, and a removed deployment waits for
   * the queues that may still route to it. */
  backpressure: RegroupTarget | undefined;
  /** Deployments' rows are shared with other instances (their ids and order are fixed). */
  shared: boolean;
  registry: Registry;
  log: Logger;
}

export class Reloader {
  private config: GatewayConfig;
  private readonly o: ReloaderOptions;
  private readonly results: Counter<'result'>;
  private readonly draining = new Set<Deployment>();
  private drainTimer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;

  constructor(o: ReloaderOptions) {
    this.o = o;
    this.config = o.config;
    this.results = new Counter({
      name: 'spillway_config_reloads_total',
      help: 'Config reloads (SIGHUP or a file change), by result: applied, invalid (the file), refused (live).',
      labelNames: ['result'],
      registers: [o.registry],
    });
    for (const result of ['applied', 'invalid', 'refused']) this.results.inc({ result }, 0);
  }

  /** A file that did not load: its errors are logged, the running config stays. */
  invalid(issues: readonly string[]): ReloadResult {
    this.results.inc({ result: 'invalid' });
    this.o.log.error({ issues }, 'config reload refused: invalid file; the running config stays');
    return 'invalid';
  }

  apply(next: GatewayConfig): ReloadResult {
    const { log } = this.o;
    const plan = planReload(this.config, next, this.o.shared);
    const refused = plan.refused;
    if (refused !== undefined) {
      this.results.inc({ result: 'refused' });
      log.error({ reason: refused }, 'config reload refused; the running config stays');
      return 'refused';
    }
    for (const section of plan.needsRestart)
      log.warn({ section }, 'config reload: this section changed but needs a restart; its running value stays');
    let change: ReturnType<typeof buildRouting>;
    try {
      change = buildRouting(plan.config.deployments, this.o.parts, this.o.live.current);
    } catch (err) {
      this.results.inc({ result: 'refused' });
      log.error({ reason: (err as Error).message }, 'config reload refused; the running config stays');
      return 'refused';
    }
    const bp = this.o.backpressure;
    // Back pressure's state first: the new groups' route gate is set before any request can reach them.
    if (bp !== undefined) regroup(bp, change.set.groups);
    this.o.live.current = change.set;
    this.o.swapped(change);
    this.config = plan.config;
    for (const d of change.removed) this.draining.add(d);
    if (change.removed.length > 0) this.drainSoon();
    this.results.inc({ result: 'applied' });
    log.info(
      {
        model_groups: [...change.set.groups.keys()],
        added: change.added.map((d) => d.id),
        removed: change.removed.map((d) => d.id),
      },
      'config reloaded',
    );
    return 'applied';
  }

  /** Resolves once every removed deployment has drained and closed (tests; shutdown closes the rest). */
  whenDrained(): Promise<void> {
    if (this.draining.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.idle;
      this.idle = () => {
        before?.();
        resolve();
      };
    });
  }

  /** The removed deployments whose last attempt has not ended yet (shutdown destroys their pools). */
  get drainingNow(): readonly Deployment[] {
    return [...this.draining];
  }

  /** Stops watching drains; the gateway's shutdown closes whatever pools are left. */
  stop(): void {
    clearInterval(this.drainTimer);
    this.drainTimer = undefined;
  }

  private drainSoon(): void {
    this.drainTimer ??= setInterval(() => this.closeDrained(), DRAIN_CHECK_MS).unref();
    this.closeDrained();
  }

  private closeDrained(): void {
    const { upstreams, fleet } = this.o.parts;
    const bp = this.o.backpressure;
    if (bp !== undefined) forgetRetired(bp);
    for (const d of this.draining) {
      if (d.inFlight > 0 || (bp !== undefined && queuedFor(bp, d))) continue;
      this.draining.delete(d);
      // Kept in the (weak) map: a request still holding a removed group meets a closed pool, a retryable error.
      void upstreams.get(d)?.pool.close();
      // Unless a changed deployment of its id kept the same engine's load.
      if (d.load !== undefined && this.o.live.current.byId.get(d.id)?.load !== d.load) void fleet?.remove(d.load);
    }
    if (this.draining.size > 0) return;
    this.stop();
    const idle = this.idle;
    this.idle = undefined;
    idle?.();
  }
}
