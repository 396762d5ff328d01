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
import { injectFault, type InternalStage } from './internal-error.ts';
import { endsWithDone, isEventStream } from '../relay/stream-end.ts';

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
function onResponseDrain(this: TaggedResponse): void {
  this[kRequest]?.exchange?.resume();
}

/**
 * Routing → upstream → relay for a validated request, with retries on another deployment while nothing has
 * reached the client. Every request ends here in exactly one outcome (finish), every attempt releases its
 * deployment slot exactly once (onExchangeEnd).
 *
 * Crash isolation: each method that control enters from node:http (start, the response's close), undici (the
 * ExchangeListener methods) or back pressure's timers (route, dispatch, via the queue) catches what it throws
 * and ends that one request with `fail`; nothing a request does can end the process or leak its accounting.
 */
export class Proxy implements ExchangeListener, BackPressureHost {
  private readonly upstreams: Map<Deployment, Upstream>;
  private readonly metrics: GatewayMetrics;
  private readonly log: Logger;
  private readonly numRetries: number;
  private readonly bp: BackPressure | undefined;
  private readonly fleet: FleetLoad | undefined;
  private readonly debug: boolean;
  /** The response's 'close' listener: one function per Proxy (it needs the proxy to fail a request), not per request. */
  private readonly onResponseClose: (this: TaggedResponse) => void;

  constructor(o: ProxyOptions) {
    const proxy = this;
    this.onResponseClose = function (this: TaggedResponse): void {
      const pr = this[kRequest];
      if (pr === undefined || this.writableFinished || pr.finished) return;
      pr.clientClosed = true;
      try {
        if (pr.exchange !== undefined) pr.exchange.abort();
        else if (pr.bp !== undefined) pr.bp.group.controller.clientGone(pr);
      } catch (err) {
        proxy.fail(pr, 'client_close', err);
      }
    };
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
    try {
      const res = pr.res as TaggedResponse;
      res[kRequest] = pr;
      res.on('close', this.onResponseClose);
      if (this.fleet !== undefined) pr.prompt = this.fleet.analyze(pr.group, pr.endpoint, pr.body);
      if (this.bp !== undefined) {
        const refused = this.bp.admit(pr);
        if (refused !== undefined) return this.reject(pr, refused.outcome, refused.message, refused.retryAfterMs);
      }
      injectFault(pr.fault, 'admission');
    } catch (err) {
      return this.fail(pr, 'admission', err);
    }
    this.route(pr);
  }

  route(pr: ProxyRequest): void {
    try {
      injectFault(pr.fault, 'routing');
      const picked = pr.modelGroup.select(pr, pr.tried);
      if (!('reason' in picked)) return this.dispatch(pr, picked);
      if (picked.reason === 'busy') {
        const refused = this.bp!.onNoEngine(pr);
        if (refused !== undefined) this.reject(pr, refused.outcome, refused.message, refused.retryAfterMs);
        return;
      }
      if (pr.lastFailure !== undefined) return this.failAfterAttempts(pr);
      this.reject(pr, picked.reason, `No deployment of model group "${pr.group}" can take the request now (${picked.reason === 'deployment_limit' ? 'every deployment is at its rpm/tpm/parallel limit' : "every deployment is cooling down on its upstream's Retry-After"}).`, picked.retryAfterMs);
    } catch (err) {
      this.fail(pr, 'routing', err);
    }
  }

  dispatch(pr: ProxyRequest, d: Deployment): void {
    try {
      const up = this.upstreams.get(d)!;
      const body = pr.upstreamBody(d.config.upstreamModel);
      // The exchange exists from the slot's acquisition on: whatever throws after, aborting it releases all.
      d.acquire();
      const x = new Exchange(d, this, pr, performance.now());
      pr.exchange = x;
      pr.lastAttempt = x;
      pr.attempts++;
      if (d.load !== undefined) pr.permit = d.load.reserve(pr.prompt!);
      if (pr.bp !== undefined) this.bp!.attempts.dispatch(pr, d);
      if (this.debug) this.logDecision(pr, d);
      injectFault(pr.fault, 'dispatch');
      x.start(up.pool, { path: up.pathPrefix + pr.upstreamPath, method: 'POST', headers: up.headers, body }, performance.now());
    } catch (err) {
      this.fail(pr, 'dispatch', err);
    }
  }

  onUpstreamHead(x: Exchange, status: number, headers: IncomingHttpHeaders): void {
    const pr = x.owner as ProxyRequest;
    if (pr.finished) return;
    try {
      // Only an SSE stream the client asked for is expected to end with `data: [DONE]` (checked at its end).
      pr.sse = pr.stream && pr.endpoint !== 'embeddings' && status < 300 && isEventStream(headers['content-type']);
      if (pr.bp !== undefined && this.bp!.attempts.head(pr, status)) return;
      injectFault(pr.fault, 'relay_head');
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
    } catch (err) {
      this.fail(pr, 'relay', err);
    }
  }

  onUpstreamData(x: Exchange, chunk: Buffer): boolean {
    const pr = x.owner as ProxyRequest;
    if (pr.finished) return true;
    try {
      // Output tokens on a stream, counted once for both back pressure and the load model.
      const tokens = pr.stream && (pr.bp !== undefined || pr.permit !== undefined) ? sseDataEvents(chunk) : 0;
      if (pr.bp !== undefined) this.bp!.attempts.chunk(pr, tokens);
      if (pr.permit !== undefined && pr.stream) pr.permit.tokens(tokens);
      if (pr.sse || x.deployment.config.tpm !== undefined || this.fleet !== undefined) {
        pr.prevTail = pr.tail;
        pr.tail = chunk;
      }
      const flowing = pr.res.write(chunk);
      injectFault(pr.fault, 'relay');
      if (flowing) return true;
      pr.res.once('drain', onResponseDrain);
      return false;
    } catch (err) {
      this.fail(pr, 'relay', err);
      return true;
    }
  }

  onExchangeEnd(x: Exchange, end: ExchangeEnd): void {
    const pr = x.owner as ProxyRequest;
    try {
      this.endAttempt(pr, x, end);
    } catch (err) {
      this.fail(pr, 'attempt_end', err);
    }
  }

  private endAttempt(pr: ProxyRequest, x: Exchange, end: ExchangeEnd): void {
    const d = x.deployment;
    // Released first, before anything that could throw.
    pr.exchange = undefined;
    d.release();
    if (pr.permit !== undefined) {
      const permit = pr.permit;
      pr.permit = undefined;
      permit.release();
    }
    if (pr.bp !== undefined) this.bp!.attempts.end(pr, x, end);
    // Ended already (an internal error aborted this attempt): nothing more to say to anyone.
    if (pr.finished) return;
    injectFault(pr.fault, 'attempt_end');
    switch (end) {
      case 'complete':
        if (pr.sse && !endsWithDone(pr.tail, pr.prevTail)) {
          // The upstream closed cleanly mid-stream: the client gets every byte it sent, then a cut (no final
          // chunk), so it cannot take the truncated answer for a whole one.
          this.recordFailure(d, 'broken_stream', undefined);
          cutAfterFlush(pr.res);
          return this.finish(pr, 'upstream_broken_stream', outcomes.upstream_broken_stream.status, d.id);
        }
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
        if (!refused) this.recordFailure(d, failureLabel(end, x.status), x.retryAfterMs);
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
      case 'empty_stream':
        return this.reject(pr, 'upstream_error', `Upstream sent no answer after ${tries}; last: ${where} answered ${x.status} with an empty event stream.`);
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

  /**
   * An exception while handling `pr` (a bug, or an injected fault): counted and logged once with the request's
   * id and stage, then the request ends with 500 `internal_error`, or its connection is cut if its head has
   * gone out. finish releases back pressure's admission and queue place; an attempt in flight is aborted, and
   * its onExchangeEnd releases its slot and load permit. Never throws on to undici, node:http or a timer.
   */
  fail(pr: ProxyRequest, stage: InternalStage, err: unknown): void {
    try {
      this.endFailed(pr, stage, err);
    } catch (again) {
      // A second fault while ending the request: the process must still not see it.
      try {
        this.log.error({ req_id: pr.id, stage, err: again }, 'internal error while ending a failed request');
      } catch {
        // nothing left to tell
      }
    }
  }

  private endFailed(pr: ProxyRequest, stage: InternalStage, err: unknown): void {
    try {
      this.metrics.internalErrors.inc({ stage });
      this.log.error({ req_id: pr.id, model: pr.group, stage, err }, 'internal error');
      if (!pr.finished) {
        const deployment = pr.lastAttempt?.deployment.id ?? 'none';
        if (pr.res.headersSent) {
          pr.res.destroy();
          this.finish(pr, 'internal_error', outcomes.internal_error.status, deployment);
        } else {
          try {
            this.reject(pr, 'internal_error', `The gateway failed while handling this request (${stage}); it was logged with request id ${pr.id}.`);
          } finally {
            // reject finishes; if it threw before that, the request must end anyway.
            if (!pr.finished) this.finish(pr, 'internal_error', outcomes.internal_error.status, deployment);
          }
        }
      } else if (!pr.res.writableEnded) pr.res.destroy();
    } finally {
      const x = pr.exchange;
      if (x !== undefined) x.abort();
    }
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

/** Closes the connection once what was written has gone out; a rare path, so the callback may be a closure. */
function cutAfterFlush(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null) return void res.destroy();
  socket.end(() => socket.destroy());
}

/** The `status` label of a failed attempt in spillway_deployment_failure_responses_total. */
function failureLabel(end: ExchangeEnd, status: number): string {
  switch (end) {
    case 'retryable_status':
      return String(status);
    case 'timeout':
      return 'timeout';
    case 'empty_stream':
      return 'empty_stream';
    default:
      return 'connect_error';
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
