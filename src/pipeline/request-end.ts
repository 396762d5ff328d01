/**
 * The end of a request: exactly one outcome, whichever stage decides it (a refusal, the last attempt, a
 * queued request expiring, an exception). Every layer hands the end down to here; nothing here calls back up.
 * `finish` runs once per request and ends what it still holds (the admission stage's release).
 */
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { InternalStage } from '../outcome/internal-error.ts';
import { type Outcome, outcomes } from '../outcome/outcomes.ts';
import { clientHeaders } from '../relay/response-headers.ts';
import type { Exchange } from '../upstream/exchange.ts';
import type { Refusal } from './backpressure/refusals.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { type AdmissionStage, type Diversion, NO_DIVERSION, NO_TENANTS, type TenantStage } from './stages.ts';
import { NO_TRACING, type RequestTracing } from './tracing/tracing.ts';

export interface RequestEndOptions {
  metrics: GatewayMetrics;
  log: Logger;
  admission: AdmissionStage;
  /** Default NO_TENANTS. */
  tenants?: TenantStage;
  /** Default NO_TRACING. */
  tracing?: RequestTracing;
}

export class RequestEnd {
  private readonly metrics: GatewayMetrics;
  private readonly log: Logger;
  private readonly admission: AdmissionStage;
  private readonly tenants: TenantStage;
  private readonly tracing: RequestTracing;
  /** Fallbacks: consulted before a refusal or a failed group's answer ends a request. */
  private diversion: Diversion = NO_DIVERSION;

  constructor(o: RequestEndOptions) {
    this.metrics = o.metrics;
    this.log = o.log;
    this.admission = o.admission;
    this.tenants = o.tenants ?? NO_TENANTS;
    this.tracing = o.tracing ?? NO_TRACING;
  }

  /**
   * The fallbacks, set once by the pipeline that builds them: they dispatch through its retry handler, which is
   * built after this end.
   */
  divertWith(diversion: Diversion): void {
    this.diversion = diversion;
  }

  /**
   * Answers with a gateway error (the outcome's status, type and code) and finishes the request; unless the
   * fallbacks send it on to another group.
   */
  reject(pr: ProxyRequest, r: Refusal): void {
    if (this.diversion.refused(pr, r)) return;
    // A refusal by the group it was sent on to says which group refused it.
    if (pr.detour !== undefined && !pr.res.headersSent) pr.res.setHeader(pr.detour[0], pr.detour[1]);
    const status = this.admission.send(pr, r);
    this.finish(pr, r.outcome, status, pr.lastFailure?.deployment.id ?? 'none');
  }

  /** A queued request's client went away. */
  abandon(pr: ProxyRequest): void {
    this.finish(pr, 'client_closed', outcomes.client_closed.status, 'none');
  }

  /** Retries are exhausted (or nowhere is left to retry): say what the last upstream attempt did. */
  failAfterAttempts(pr: ProxyRequest): void {
    if (this.diversion.failed(pr)) return;
    const x = pr.lastFailure!;
    const where = `deployment "${x.deployment.id}"`;
    const tries = `${pr.attempts} attempt${pr.attempts === 1 ? '' : 's'}`;
    switch (pr.lastFailureKind) {
      case 'judged_status':
        return this.relayHeld(pr, x);
      case 'timeout':
        return this.reject(pr, {
          outcome: 'upstream_timeout',
          message: `Upstream timed out after ${tries}; last: ${where}.`,
        });
      case 'network_error':
        return this.reject(pr, {
          outcome: 'upstream_error',
          message: `Upstream unreachable after ${tries}; last: ${where}: ${x.errorMessage}.`,
        });
      case 'empty_stream':
        return this.reject(pr, {
          outcome: 'upstream_error',
          message:
            `Upstream sent no answer after ${tries}; last: ${where} ` +
            `answered ${x.status} with an empty event stream.`,
        });
      default: {
        const detail = `${where} answered ${x.status}${upstreamMessage(x.errorBody)}`;
        if (x.status === 429)
          return this.reject(pr, {
            outcome: 'upstream_rate_limited',
            message: `Upstream rate limited after ${tries}; last: ${detail}.`,
            retryAfterMs: x.retryAfterMs ?? 1000,
          });
        if (x.status === 503)
          return this.reject(pr, {
            outcome: 'upstream_overloaded',
            message: `Upstream overloaded after ${tries}; last: ${detail}.`,
            retryAfterMs: x.retryAfterMs ?? 1000,
          });
        return this.reject(pr, {
          outcome: 'upstream_error',
          message: `Upstream failed after ${tries}; last: ${detail}.`,
        });
      }
    }
  }

  /** A 4xx held for the fallbacks, which did not take the request: the client gets it as the engine sent it. */
  private relayHeld(pr: ProxyRequest, x: Exchange): void {
    const id = x.deployment.id;
    const out = clientHeaders(x.heldHeaders!, { 'x-spillway-deployment': id, 'x-spillway-engine': id });
    if (pr.detour !== undefined) out[pr.detour[0]] = pr.detour[1];
    pr.res.writeHead(x.status, out);
    pr.res.end(Buffer.concat(x.held!));
    this.finish(pr, 'upstream_response', x.status, id);
  }

  /**
   * An exception while handling `pr` (a bug, or an injected fault): counted and logged once with the request's
   * id and stage, then the request ends with 500 `internal_error`, or its connection is cut if its head has
   * gone out. finish releases the admission and queue place; an attempt in flight is aborted, and its
   * onExchangeEnd releases its slot and load permit. Never throws on to undici, node:http or a timer.
   */
  fail(pr: ProxyRequest, stage: InternalStage, err: unknown): void {
    try {
      this.endFailed(pr, stage, err);
    } catch (again) {
      // A second fault while ending the request: the process must still not see it.
      try {
        this.log.error({ req_id: pr.ctx.id, stage, err: again }, 'internal error while ending a failed request');
      } catch {
        // nothing left to tell
      }
    }
  }

  private endFailed(pr: ProxyRequest, stage: InternalStage, err: unknown): void {
    try {
      this.metrics.internalErrors.inc({ stage });
      this.log.error({ req_id: pr.ctx.id, model: pr.ctx.group, stage, err }, 'internal error');
      if (!pr.finished) {
        const deployment = pr.lastAttempt?.deployment.id ?? 'none';
        if (pr.res.headersSent) {
          pr.res.destroy();
          this.finish(pr, 'internal_error', outcomes.internal_error.status, deployment);
        } else {
          try {
            this.reject(pr, {
              outcome: 'internal_error',
              message:
                `The gateway failed while handling this request ` +
                `(${stage}); it was logged with request id ${pr.ctx.id}.`,
            });
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

  finish(pr: ProxyRequest, outcome: Outcome, status: number, deployment: string): void {
    if (pr.finished) return;
    pr.finished = true;
    this.admission.release(pr, outcome === 'upstream_response' ? 'success' : 'failure');
    this.tenants.release(pr, outcome);
    this.tracing.finished(pr, outcome, status);
    const ctx = pr.ctx;
    const now = performance.now();
    const m = this.metrics;
    m.requests.inc({ model_group: ctx.group, deployment, status: String(status) });
    m.duration.observe({ model_group: ctx.group }, (now - ctx.arrivalMs) / 1000);
    const x = pr.lastAttempt;
    let ttftMs: number | undefined;
    if (x !== undefined) {
      m.overhead.observe((x.dispatchMs - ctx.arrivalMs - pr.failedUpstreamMs) / 1000);
      if (ctx.stream && x.firstChunkMs > 0) {
        ttftMs = x.firstChunkMs - ctx.arrivalMs;
        m.ttft.observe({ model_group: ctx.group, deployment }, ttftMs / 1000);
      }
    }
    this.log.info(
      {
        req_id: ctx.id,
        model: ctx.group,
        // The key's alias (or its team's), never the key.
        tenant: ctx.tenant?.label,
        deployment,
        status,
        outcome,
        attempts: pr.attempts,
        ms: round(now - ctx.arrivalMs),
        ttft_ms: ttftMs === undefined ? undefined : round(ttftMs),
      },
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
