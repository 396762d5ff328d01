import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Pool } from 'undici';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { outcomes, type Outcome } from '../outcome/outcomes.ts';
import { sendError } from '../outcome/openai-error.ts';
import { clientHeaders } from '../relay/response-headers.ts';
import type { Deployment } from '../routing/deployment.ts';
import { Exchange, type ExchangeEnd, type ExchangeListener } from '../upstream/exchange.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { responseTail, usageTokens } from '../relay/usage.ts';
import type { FleetLoad } from '../load/fleet.ts';
import { sseDataEvents, usagePromptTokens } from '../load/stream-tokens.ts';
import type { BackPressure, BackPressureHost } from './backpressure/controller.ts';

/** How to reach one deployment: its pool, path prefix and the fixed headers sent with every request. */
export interface Upstream {
  pool: Pool;
  pathPrefix: string;
  headers: Record<string, string>;
}

export interface ProxyOptions {
  upstreams: Map<Deployment, Upstream>;
  metrics: GatewayMetrics;
  log: Logger;
  numRetries: number;
  /** Request back pressure (./backpressure/controller.ts); undefined when off. */
  backpressure?: BackPressure;
  /** The fleet's load model (src/load), kept when a strategy or back pressure reads it; else undefined. */
  fleet?: FleetLoad;
}

const kRequest = Symbol('spillway.request');
type TaggedResponse = ServerResponse & { [kRequest]?: ProxyRequest };

// Hoisted listeners: `this` is the response, the request hangs off it, so no closure is made per request.
function onResponseClose(this: TaggedResponse): void {
  const pr = this[kRequest];
  if (pr === undefined || this.writableFinished || pr.finished) return;
  pr.clientClosed = true;
  if (pr.exchange !== undefined) pr.exchange.abortForClient();
  else if (pr.bp !== undefined) pr.bp.group.controller.clientGone(pr);
}
function onResponseDrain(this: TaggedResponse): void {
  this[kRequest]?.exchange?.resume();
}

/**
 * Routing → upstream → relay for a validated request, with retries on another deployment while nothing has
 * reached the client. Every request ends here in exactly one outcome (finish), every attempt releases its
 * deployment slot exactly once (onExchangeEnd).
 */
export class Proxy implements ExchangeListener, BackPressureHost {
  private readonly upstreams: Map<Deployment, Upstream>;
  private readonly metrics: GatewayMetrics;
  private readonly log: Logger;
  private readonly numRetries: number;
  private readonly bp: BackPressure | undefined;
  private readonly fleet: FleetLoad | undefined;
  private readonly debug: boolean;

  constructor(o: ProxyOptions) {
    this.fleet = o.fleet;
    this.debug = o.log.isLevelEnabled('debug');
    this.upstreams = o.upstreams;
    this.metrics = o.metrics;
    this.log = o.log;
    this.numRetries = o.numRetries;
    this.bp = o.backpressure;
    this.bp?.attach(this);
  }

  start(pr: ProxyRequest): void {
    const res = pr.res as TaggedResponse;
    res[kRequest] = pr;
    res.on('close', onResponseClose);
    if (this.fleet !== undefined) pr.prompt = this.fleet.analyze(pr.group, pr.endpoint, pr.body);
    if (this.bp !== undefined) {
      const refused = this.bp.admit(pr);
      if (refused !== undefined) return this.reject(pr, refused.outcome, refused.message, refused.retryAfterMs);
    }
    this.route(pr);
  }

  route(pr: ProxyRequest): void {
    const picked = pr.modelGroup.select(pr, pr.tried);
    if (!('reason' in picked)) return this.dispatch(pr, picked);
    if (picked.reason === 'busy') {
      const refused = this.bp!.onNoEngine(pr);
      if (refused !== undefined) this.reject(pr, refused.outcome, refused.message, refused.retryAfterMs);
      return;
    }
    if (pr.lastFailure !== undefined) return this.failAfterAttempts(pr);
    this.reject(pr, picked.reason, `No deployment of model group "${pr.group}" can take the request now (${picked.reason === 'deployment_limit' ? 'every deployment is at its rpm/tpm/parallel limit' : "every deployment is cooling down on its upstream's Retry-After"}).`, picked.retryAfterMs);
  }

  dispatch(pr: ProxyRequest, d: Deployment): void {
    const up = this.upstreams.get(d)!;
    d.acquire();
    if (d.load !== undefined) pr.permit = d.load.reserve(pr.prompt!);
    if (this.debug) this.logDecision(pr, d);
    if (pr.bp !== undefined) this.bp!.attempts.dispatch(pr, d);
    pr.attempts++;
    const x = new Exchange(d, this, pr, performance.now());
    pr.exchange = x;
    pr.lastAttempt = x;
    up.pool.dispatch(
      { path: up.pathPrefix + pr.upstreamPath, method: 'POST', headers: up.headers, body: pr.upstreamBody(d.config.upstreamModel) },
      x,
    );
  }

  onUpstreamHead(x: Exchange, status: number, headers: IncomingHttpHeaders): void {
    const pr = x.owner as ProxyRequest;
    if (pr.bp !== undefined && this.bp!.attempts.head(pr, status)) return;
    pr.permit?.firstToken();
    const overheadMs = x.dispatchMs - pr.arrivalMs - pr.failedUpstreamMs;
    pr.res.writeHead(
      status,
      clientHeaders(headers, {
        'x-spillway-deployment': x.deployment.id,
        'x-spillway-engine': x.deployment.id,
        'x-spillway-overhead-ms': overheadMs.toFixed(3),
      }),
    );
  }

  onUpstreamData(x: Exchange, chunk: Buffer): boolean {
    const pr = x.owner as ProxyRequest;
    // Output tokens on a stream, counted once for both back pressure and the load model.
    const tokens = pr.stream && (pr.bp !== undefined || pr.permit !== undefined) ? sseDataEvents(chunk) : 0;
    if (pr.bp !== undefined) this.bp!.attempts.chunk(pr, tokens);
    if (pr.permit !== undefined && pr.stream) pr.permit.tokens(tokens);
    if (x.deployment.config.tpm !== undefined || this.fleet !== undefined) {
      pr.prevTail = pr.tail;
      pr.tail = chunk;
    }
    if (pr.res.write(chunk)) return true;
    pr.res.once('drain', onResponseDrain);
    return false;
  }

  onExchangeEnd(x: Exchange, end: ExchangeEnd): void {
    const pr = x.owner as ProxyRequest;
    const d = x.deployment;
    d.release();
    if (pr.permit !== undefined) {
      pr.permit.release();
      pr.permit = undefined;
    }
    pr.exchange = undefined;
    if (pr.bp !== undefined) this.bp!.attempts.end(pr, x, end);
    switch (end) {
      case 'complete':
        d.recordSuccess();
        if (d.config.tpm !== undefined) d.addTokens(usageTokens(pr));
        if (this.fleet !== undefined) this.fleet.observeUsage(pr.group, pr.prompt, usagePromptTokens(responseTail(pr)));
        pr.res.end();
        return this.finish(pr, 'upstream_response', x.status, d.id);
      case 'client_closed':
        return this.finish(pr, 'client_closed', outcomes.client_closed.status, d.id);
      case 'broken':
        this.recordFailure(d, 'broken_stream', undefined);
        pr.res.destroy();
        return this.finish(pr, 'upstream_broken_stream', outcomes.upstream_broken_stream.status, d.id);
      default: {
        // With back pressure, an engine's own 503/429 is a penalty and a re-route, not a failure or a retry.
        const refused = pr.bp !== undefined && end === 'retryable_status' && this.bp!.attempts.engineRefused(pr, x);
        if (!refused) this.recordFailure(d, end === 'retryable_status' ? String(x.status) : end === 'timeout' ? 'timeout' : 'connect_error', x.retryAfterMs);
        pr.failedUpstreamMs += performance.now() - x.dispatchMs;
        pr.lastFailure = x;
        pr.lastFailureKind = end;
        if (pr.clientClosed) return this.finish(pr, 'client_closed', outcomes.client_closed.status, d.id);
        if (!refused && pr.attempts > this.numRetries) return this.failAfterAttempts(pr);
        (pr.tried ??= []).push(d);
        if (!refused) this.metrics.retries.inc({ model_group: pr.group });
        return this.route(pr);
      }
    }
  }

  /** Debug only: the strategy's view of every engine of the group when it chose `d` (allocates). */
  private logDecision(pr: ProxyRequest, d: Deployment): void {
    const strategy = pr.modelGroup.strategy as { explain?: (c: readonly Deployment[], r: ProxyRequest) => unknown };
    const costs = strategy.explain?.(pr.modelGroup.deployments, pr);
    this.log.debug({ req_id: pr.id, model: pr.group, engine: d.id, strategy: pr.modelGroup.strategy.name, attempt: pr.attempts, costs }, 'routed');
  }

  private recordFailure(d: Deployment, status: string, retryAfterMs: number | undefined): void {
    const labels = { model_group: d.config.group, deployment: d.id, status };
    this.metrics.deploymentFailures.inc(labels);
    if (d.recordFailure(status, retryAfterMs)) {
      this.metrics.cooledDown.inc({ model_group: d.config.group, deployment: d.id, reason: status });
      this.log.warn(
        { deployment: d.id, model_group: d.config.group, cooldown_ms: d.cooldownRemainingMs(), last_failure: status, failure_rate: d.lastEjection?.failureRate, requests: d.lastEjection?.requests },
        'deployment cooling down',
      );
    }
  }

  /** Retries are exhausted (or nowhere is left to retry): say what the last upstream attempt did. */
  private failAfterAttempts(pr: ProxyRequest): void {
    const x = pr.lastFailure!;
    const where = `deployment "${x.deployment.id}"`;
    const tries = `${pr.attempts} attempt${pr.attempts === 1 ? '' : 's'}`;
    switch (pr.lastFailureKind) {
      case 'timeout':
        return this.reject(pr, 'upstream_timeout', `Upstream timed out after ${tries}; last: ${where}.`);
      case 'network_error':
        return this.reject(pr, 'upstream_error', `Upstream unreachable after ${tries}; last: ${where}: ${x.errorMessage}.`);
      default: {
        const detail = `${where} answered ${x.status}${upstreamMessage(x.errorBody)}`;
        if (x.status === 429) return this.reject(pr, 'upstream_rate_limited', `Upstream rate limited after ${tries}; last: ${detail}.`, x.retryAfterMs ?? 1000);
        if (x.status === 503) return this.reject(pr, 'upstream_overloaded', `Upstream overloaded after ${tries}; last: ${detail}.`, x.retryAfterMs ?? 1000);
        return this.reject(pr, 'upstream_error', `Upstream failed after ${tries}; last: ${detail}.`);
      }
    }
  }

  /** Answers with a gateway error (the outcome's status, type and code) and finishes the request. */
  reject(pr: ProxyRequest, outcome: Exclude<Outcome, 'upstream_response'>, message: string, retryAfterMs?: number): void {
    const o = outcomes[outcome];
    let status: number = o.status;
    if (this.bp !== undefined) status = this.bp.sendError(pr, outcome, message, retryAfterMs);
    else sendError(pr.res, o.status, { message, type: o.type, param: null, code: o.code }, retryAfterMs);
    this.finish(pr, outcome, status, pr.lastFailure?.deployment.id ?? 'none');
  }

  /** A queued request's client went away (back pressure). */
  abandon(pr: ProxyRequest): void {
    this.finish(pr, 'client_closed', outcomes.client_closed.status, 'none');
  }

  private finish(pr: ProxyRequest, outcome: Outcome, status: number, deployment: string): void {
    if (pr.finished) return;
    pr.finished = true;
    if (pr.bp !== undefined) this.bp!.onFinish(pr);
    const now = performance.now();
    const m = this.metrics;
    m.requests.inc({ model_group: pr.group, deployment, status: String(status) });
    m.duration.observe({ model_group: pr.group }, (now - pr.arrivalMs) / 1000);
    const x = pr.lastAttempt;
    let ttftMs: number | undefined;
    if (x !== undefined) {
      m.overhead.observe((x.dispatchMs - pr.arrivalMs - pr.failedUpstreamMs) / 1000);
      if (pr.stream && x.firstChunkMs > 0) {
        ttftMs = x.firstChunkMs - pr.arrivalMs;
        m.ttft.observe({ model_group: pr.group, deployment }, ttftMs / 1000);
      }
    }
    this.log.info(
      { req_id: pr.id, model: pr.group, deployment, status, outcome, attempts: pr.attempts, ms: round(now - pr.arrivalMs), ttft_ms: ttftMs === undefined ? undefined : round(ttftMs) },
      'request',
    );
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** `: <message>` from an upstream's OpenAI-style error body, if it has one. */
function upstreamMessage(body: string): string {
  if (body === '') return '';
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string') return `: ${m.slice(0, 300)}`;
  } catch {
    // not JSON: fall through to the raw text
  }
  return `: ${body.slice(0, 300)}`;
}
