/**
 * The bottom of the pipeline: starts one attempt of a request on a chosen deployment. It takes the attempt's
 * holds — the deployment's slot, the load permit, then the attempt hooks' (back pressure's engine slot) — and
 * hands the request to undici through an Exchange whose listener (the Proxy) hears how it goes; `endHolds`
 * ends them, in reverse order, when the exchange ends. Routing and the router queue call it; it never calls
 * them back.
 */
import type { Logger } from 'pino';
import type { Pool } from 'undici';
import type { LoadPermit } from '../load/permit.ts';
import { injectFault } from '../outcome/internal-error.ts';
import type { Deployment, DeploymentPermit } from '../routing/deployment.ts';
import { Exchange, type ExchangeListener } from '../upstream/exchange.ts';
import type { PermitEnd } from '../util/permit.ts';
import type { ProxyRequest } from './proxy-request.ts';
import type { RequestEnd } from './request-end.ts';
import type { AttemptHooks } from './stages.ts';
import { NO_TRACING, type RequestTracing } from './tracing/tracing.ts';

/** Each deployment's upstream; weak, so a deployment a reload removed takes its closed pool with it. */
export type ReadonlyWeakMap<K extends object, V> = Pick<WeakMap<K, V>, 'get' | 'has'>;

/** How to reach one deployment: its pool, path prefixes and the fixed headers sent with every request. */
export interface Upstream {
  pool: Pool;
  /** The api_base's path (`/v1`), before an endpoint's path. */
  pathPrefix: string;
  /** The api_base's path without a trailing `/v1`, before a path served from the root (vLLM's `/tokenize`). */
  rootPrefix: string;
  headers: Record<string, string>;
}

export interface AttemptStarterOptions {
  upstreams: ReadonlyWeakMap<Deployment, Upstream>;
  listener: ExchangeListener;
  hooks: AttemptHooks;
  end: RequestEnd;
  log: Logger;
  /** Default NO_TRACING. */
  tracing?: RequestTracing;
}

export class AttemptStarter {
  private readonly upstreams: ReadonlyWeakMap<Deployment, Upstream>;
  private readonly listener: ExchangeListener;
  private readonly hooks: AttemptHooks;
  private readonly end: RequestEnd;
  private readonly log: Logger;
  private readonly debug: boolean;
  private readonly tracing: RequestTracing;

  constructor(o: AttemptStarterOptions) {
    this.upstreams = o.upstreams;
    this.listener = o.listener;
    this.hooks = o.hooks;
    this.end = o.end;
    this.log = o.log;
    this.debug = o.log.isLevelEnabled('debug');
    this.tracing = o.tracing ?? NO_TRACING;
  }

  /** Starts the attempt; a throw ends the request (stage `dispatch`), never its caller. */
  start(pr: ProxyRequest, d: Deployment): void {
    try {
      const up = this.upstreams.get(d)!;
      const body = pr.upstreamBody(d.config.upstreamModel);
      // The exchange exists from the slot's acquisition on: whatever throws after, aborting it releases all.
      pr.slot = d.hold();
      const x = new Exchange(d, this.listener, pr, performance.now());
      x.judgeClientErrors = pr.judgeClientErrors;
      pr.exchange = x;
      pr.lastAttempt = x;
      pr.attempts++;
      if (d.load !== undefined) pr.permit = d.load.reserve(pr.ctx.prompt!);
      this.hooks.dispatched(pr, d);
      if (this.debug) this.logDecision(pr, d);
      // x-request-id and the trace context on every attempt (./tracing/tracing.ts).
      const headers = this.tracing.attempt(pr, d, up.headers);
      injectFault(pr.ctx.fault, 'dispatch');
      const ctx = pr.ctx;
      const path = (ctx.fromRoot ? up.rootPrefix : up.pathPrefix) + ctx.upstreamPath;
      x.start(up.pool, { path, method: 'POST', headers: ctx.format.headers(headers), body }, performance.now());
    } catch (err) {
      this.end.fail(pr, 'dispatch', err);
    }
  }

  /**
   * The attempt's end: its holds end once each, in reverse order of `start` (engine slot, load, deployment
   * slot). `tokens`: what a whole response used, for the deployment's tpm (0 otherwise).
   */
  endHolds(pr: ProxyRequest, how: PermitEnd, tokens: number): void {
    this.hooks.ended(pr, how);
    if (pr.permit !== undefined) {
      const permit: LoadPermit = pr.permit;
      pr.permit = undefined;
      permit.end(how);
    }
    if (pr.slot !== undefined) {
      const slot: DeploymentPermit = pr.slot;
      pr.slot = undefined;
      slot.used(tokens);
      slot.end(how);
    }
  }

  /** Debug only: the strategy's view of every engine of the group when it chose `d` (allocates). */
  private logDecision(pr: ProxyRequest, d: Deployment): void {
    const g = pr.ctx.modelGroup;
    const strategy = g.strategy as { explain?: (c: readonly Deployment[], r: ProxyRequest['ctx']) => unknown };
    const costs = strategy.explain?.(g.deployments, pr.ctx);
    this.log.debug(
      { req_id: pr.ctx.id, model: pr.ctx.group, engine: d.id, strategy: g.strategy.name, attempt: pr.attempts, costs },
      'routed',
    );
  }
}
