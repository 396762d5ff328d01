import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { FleetLoad } from '../load/fleet.ts';
import { sseDataEvents, usagePromptTokens } from '../load/stream-tokens.ts';
import type { FallbackMetrics } from '../metrics/fallback-metrics.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { ClientResponse } from '../outcome/client-response.ts';
import { injectFault } from '../outcome/internal-error.ts';
import { outcomes } from '../outcome/outcomes.ts';
import { clientHeaders } from '../relay/response-headers.ts';
import { isEventStream, streamEnds } from '../relay/stream-end.ts';
import { responseTail, usageTokens } from '../relay/usage.ts';
import { UsageStripper } from '../relay/usage-strip.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { Exchange, ExchangeEnd, ExchangeListener } from '../upstream/exchange.ts';
import { AttemptStarter, type ReadonlyWeakMap, type Upstream } from './attempt-starter.ts';
import { DeploymentFailures } from './deployment-failures.ts';
import { Fallbacks } from './diversion.ts';
import type { FallbackRoutes } from './fallback-routes.ts';
import { ProxyRequest } from './proxy-request.ts';
import type { RequestContext } from './request-context.ts';
import { RequestEnd } from './request-end.ts';
import { CountedRetries, RetryHandler } from './retry-handler.ts';
import {
  type AdmissionStage,
  type AttemptHooks,
  NO_TENANTS,
  permitEnd,
  type Router,
  type TenantStage,
} from './stages.ts';
import type { StreamUsage } from './stream-usage.ts';
import { NO_TOKEN_COUNT, type TokenCounter } from './token-metrics.ts';
import { NO_TRACING, type RequestTracing } from './tracing/tracing.ts';

export type { Upstream } from './attempt-starter.ts';

export interface ProxyOptions {
  upstreams: ReadonlyWeakMap<Deployment, Upstream>;
  metrics: GatewayMetrics;
  log: Logger;
  numRetries: number;
  /** Back pressure's admission, or OPEN_ADMISSION (./stages.ts). */
  admission: AdmissionStage;
  /** Back pressure's attempt hooks, or NO_ATTEMPT_HOOKS. */
  hooks: AttemptHooks;
  /** Builds the router over the layers below it: a DirectRouter (./router.ts), or back pressure's queue. */
  router(attempts: AttemptStarter, end: RequestEnd): Router;
  /** The fleet's load model (src/load), kept when a strategy or back pressure reads it; else undefined. */
  fleet?: FleetLoad;
  /** The tenant gate (src/pipeline/tenant-gate.ts) with keys on; default NO_TENANTS. */
  tenants?: TenantStage;
  /** Tracing (src/pipeline/tracing/otel-tracing.ts) with it on; default NO_TRACING. */
  tracing?: RequestTracing;
  /** The token counters and ITL histograms (./token-metrics.ts); default none. */
  tokens?: TokenCounter;
  /** Which streams are asked for their usage besides tenants' (./stream-usage.ts); default none. */
  streamUsage?: StreamUsage;
  /** The fallback chains (./fallback-routes.ts) when the config has any (they also carry spillover), and metrics. */
  fallbacks?: { routes: FallbackRoutes; metrics: FallbackMetrics };
}

const NO_STREAM_USAGE: StreamUsage = { asks: () => false };

const kRequest = Symbol('spillway.request');
type TaggedResponse = ClientResponse & { [kRequest]?: ProxyRequest };

// Hoisted listeners: `this` is the response, the request hangs off it, so no closure is made per request.
function onResponseDrain(this: TaggedResponse): void {
  this[kRequest]?.exchange?.resume();
}

/**
 * The request's run: admission, then the retry handler's dispatch (routing, which hands the attempt down to
 * the upstream, now or from the router queue; again on another deployment after a failure while nothing has
 * reached the client: ./retry-handler.ts), and the relay of what the upstream answers. Every request ends in
 * exactly one outcome (./request-end.ts); every attempt's holds end exactly once (onExchangeEnd).
 *
 * Crash isolation: each method that control enters from node:http (start, the response's close) or undici (the
 * ExchangeListener methods) catches what it throws and ends that one request with `fail`.
 */
export class ProxyPipeline implements ExchangeListener {
  private readonly admission: AdmissionStage;
  private readonly tenants: TenantStage;
  private readonly hooks: AttemptHooks;
  private readonly attempts: AttemptStarter;
  private readonly retries: RetryHandler;
  private readonly failures: DeploymentFailures;
  private readonly end: RequestEnd;
  private readonly fleet: FleetLoad | undefined;
  private readonly tracing: RequestTracing;
  private readonly tokens: TokenCounter;
  private readonly streamUsage: StreamUsage;
  private readonly fallbacks: FallbackRoutes | undefined;
  /**
   * The response's 'close' listener: one function per ProxyPipeline (it needs the proxy to fail a request), not
   * per request.
   */
  private readonly onResponseClose: (this: TaggedResponse) => void;

  constructor(o: ProxyOptions) {
    const proxy = this;
    this.onResponseClose = function (this: TaggedResponse): void {
      const pr = this[kRequest];
      if (pr === undefined || this.writableFinished || pr.finished) return;
      pr.clientClosed = true;
      try {
        if (pr.exchange !== undefined) pr.exchange.abort();
        else if (proxy.admission.clientGone(pr)) proxy.end.abandon(pr);
      } catch (err) {
        proxy.end.fail(pr, 'client_close', err);
      }
    };
    this.fleet = o.fleet;
    this.admission = o.admission;
    this.tenants = o.tenants ?? NO_TENANTS;
    this.hooks = o.hooks;
    this.tracing = o.tracing ?? NO_TRACING;
    this.tokens = o.tokens ?? NO_TOKEN_COUNT;
    this.streamUsage = o.streamUsage ?? NO_STREAM_USAGE;
    this.end = new RequestEnd({
      metrics: o.metrics,
      log: o.log,
      admission: o.admission,
      tenants: this.tenants,
      tracing: this.tracing,
    });
    this.failures = new DeploymentFailures(o.metrics, o.log);
    this.attempts = new AttemptStarter({
      upstreams: o.upstreams,
      listener: this,
      hooks: o.hooks,
      end: this.end,
      log: o.log,
      tracing: this.tracing,
    });
    const router: Router = o.router(this.attempts, this.end);
    const policy = new CountedRetries(o.numRetries, o.hooks);
    this.retries = new RetryHandler({ policy, router, end: this.end, failures: this.failures, metrics: o.metrics });
    this.fallbacks = o.fallbacks?.routes;
    if (o.fallbacks !== undefined)
      this.end.divertWith(
        new Fallbacks({ ...o.fallbacks, admission: o.admission, retries: this.retries, end: this.end }),
      );
  }

  start(ctx: RequestContext, res: ClientResponse): void {
    const pr = new ProxyRequest(ctx, res);
    try {
      (res as TaggedResponse)[kRequest] = pr;
      res.on('close', this.onResponseClose);
      this.tracing.begin(pr);
      if (this.fallbacks !== undefined) pr.judgeClientErrors = this.fallbacks.judgesClientErrors(ctx.group);
      const refused = this.tenants.admit(pr) ?? this.admission.admit(pr);
      this.tracing.admitted(pr, refused !== undefined);
      if (refused !== undefined) return this.end.reject(pr, refused);
      if (pr.stripper === undefined && this.streamUsage.asks(pr.ctx)) pr.stripper = new UsageStripper();
      injectFault(ctx.fault, 'admission');
    } catch (err) {
      return this.end.fail(pr, 'admission', err);
    }
    this.retries.dispatch(pr);
  }

  onUpstreamHead(x: Exchange, status: number, headers: IncomingHttpHeaders): void {
    const pr = x.owner as ProxyRequest;
    if (pr.finished) return;
    try {
      const ctx = pr.ctx;
      // Only an SSE stream the client asked for is expected to end as its endpoint's streams do (checked at its end).
      const streamEnd = streamEnds[ctx.endpoint];
      pr.sse = ctx.stream && streamEnd !== undefined && status < 300 && isEventStream(headers['content-type']);
      if (pr.sse && streamEnd!.scans) pr.scannedEnd = streamEnd;
      if (this.hooks.head(pr, status)) return;
      injectFault(ctx.fault, 'relay_head');
      pr.permit?.firstToken();
      const overheadMs = x.dispatchMs - ctx.arrivalMs - pr.failedUpstreamMs;
      const out = clientHeaders(headers, {
        'x-spillway-deployment': x.deployment.id,
        'x-spillway-engine': x.deployment.id,
        'x-spillway-overhead-ms': overheadMs.toFixed(3),
      });
      if (pr.detour !== undefined) out[pr.detour[0]] = pr.detour[1];
      pr.res.writeHead(status, out);
    } catch (err) {
      this.end.fail(pr, 'relay', err);
    }
  }

  onUpstreamData(x: Exchange, chunk: Buffer): boolean {
    const pr = x.owner as ProxyRequest;
    if (pr.finished) return true;
    try {
      const stream = pr.ctx.stream;
      // Output tokens on a stream, counted once for both back pressure and the load model.
      const tokens = stream && (this.hooks.countsTokens || pr.permit !== undefined) ? sseDataEvents(chunk) : 0;
      this.hooks.chunk(pr, tokens);
      if (pr.permit !== undefined && stream) pr.permit.tokens(tokens);
      if (pr.scannedEnd !== undefined && !pr.endSeen) pr.endSeen = pr.scannedEnd.marks(chunk, pr.tail);
      // Kept for every response: the token counters read its usage, an SSE stream's end is checked.
      pr.prevTail = pr.tail;
      pr.tail = chunk;
      // The usage event the gateway asked for is not the client's to see.
      const out = pr.stripper === undefined || !pr.sse ? chunk : pr.stripper.relay(chunk);
      if (out === undefined) return true;
      const flowing = pr.res.write(out);
      injectFault(pr.ctx.fault, 'relay');
      if (flowing) return true;
      pr.res.once('drain', onResponseDrain);
      return false;
    } catch (err) {
      this.end.fail(pr, 'relay', err);
      return true;
    }
  }

  onExchangeEnd(x: Exchange, end: ExchangeEnd): void {
    const pr = x.owner as ProxyRequest;
    try {
      this.endAttempt(pr, x, end);
    } catch (err) {
      this.end.fail(pr, 'attempt_end', err);
    }
  }

  private endAttempt(pr: ProxyRequest, x: Exchange, end: ExchangeEnd): void {
    const d = x.deployment;
    // A stream cut short though the upstream closed cleanly is a broken answer, however the exchange ended.
    const whole =
      end === 'complete' && !(pr.sse && !streamEnds[pr.ctx.endpoint]!.whole(pr.tail, pr.prevTail, pr.endSeen));
    const tokens =
      whole && !pr.finished && d.config.tpm !== undefined
        ? usageTokens(responseTail(pr.tail, pr.prevTail), pr.ctx.bodyBytes)
        : 0;
    // The attempt's holds end first, in reverse order of acquisition, before anything that could throw.
    pr.exchange = undefined;
    this.attempts.endHolds(pr, permitEnd(end, x.status), tokens);
    this.tracing.attemptEnded(pr, x, end);
    // Ended already (an internal error aborted this attempt): nothing more to say to anyone.
    if (pr.finished) return;
    injectFault(pr.ctx.fault, 'attempt_end');
    switch (end) {
      case 'complete':
        return whole ? this.complete(pr, x) : this.truncated(pr, d);
      case 'client_closed':
        return this.end.finish(pr, 'client_closed', outcomes.client_closed.status, d.id);
      case 'broken':
        this.failures.record(d, 'broken_stream', undefined);
        pr.res.destroy();
        return this.end.finish(pr, 'upstream_broken_stream', outcomes.upstream_broken_stream.status, d.id);
      default:
        return this.retries.failed(pr, x, end);
    }
  }

  private complete(pr: ProxyRequest, x: Exchange): void {
    const d = x.deployment;
    d.recordSuccess();
    if (this.fleet !== undefined)
      this.fleet.observeUsage(pr.ctx.group, pr.ctx.prompt, usagePromptTokens(responseTail(pr.tail, pr.prevTail)));
    if (x.status < 300) {
      this.tenants.completed(pr, d);
      this.tokens.completed(pr, x, performance.now());
    }
    writeHeld(pr);
    pr.res.end();
    this.end.finish(pr, 'upstream_response', x.status, d.id);
  }

  /**
   * The upstream closed cleanly mid-stream: the client gets every byte it sent, then a cut (no final chunk),
   * so it cannot take the truncated answer for a whole one.
   */
  private truncated(pr: ProxyRequest, d: Deployment): void {
    this.failures.record(d, 'broken_stream', undefined);
    writeHeld(pr);
    cutAfterFlush(pr.res);
    this.end.finish(pr, 'upstream_broken_stream', outcomes.upstream_broken_stream.status, d.id);
  }
}

/** What the usage stripper still holds (a last event without its blank line) goes out as it came. */
function writeHeld(pr: ProxyRequest): void {
  const held = pr.stripper?.rest();
  if (held !== undefined) pr.res.write(held);
}

/** Closes the connection once what was written has gone out; a rare path, so the callback may be a closure. */
function cutAfterFlush(res: ClientResponse): void {
  const socket = res.socket;
  if (socket === null) return void res.destroy();
  socket.end(() => socket.destroy());
}
