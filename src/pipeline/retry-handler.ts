/**
 * Retries wrap the exchange, as undici's RetryHandler wraps a dispatch: the handler sends a request down
 * (`dispatch`: the router hands it to an engine, queues it, or says why not), and an attempt that failed before
 * anything reached the client comes back to it (`failed`). There the retry policy, a value chosen when the
 * pipeline is built, says whether the request goes down again, to a deployment it has not tried, or ends with
 * what its last attempt did. Nothing here writes to the client: the relay has not started, and the end is
 * RequestEnd's.
 */
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { outcomes } from '../outcome/outcomes.ts';
import type { Exchange, ExchangeEnd } from '../upstream/exchange.ts';
import type { DeploymentFailures } from './deployment-failures.ts';
import type { ProxyRequest } from './proxy-request.ts';
import type { RequestEnd } from './request-end.ts';
import type { AttemptHooks, Router } from './stages.ts';

/** How an attempt that relayed nothing ended: the ends a retry can hide from the client. */
export type FailedEnd = Exclude<ExchangeEnd, 'complete' | 'broken' | 'client_closed'>;

/**
 *   retry    re-routed; counted against num_retries and as the deployment's failure (its cooldown judges it)
 *   bounce   the engine refused the request itself: re-routed, counted as neither
 *   stop     no retry left: the request ends with its last attempt's failure
 */
export type RetryVerdict = 'retry' | 'bounce' | 'stop';

export interface RetryPolicy {
  judge(pr: ProxyRequest, x: Exchange, end: FailedEnd): RetryVerdict;
}

/**
 * Up to `num_retries` retries after the first attempt, for every failed end. An engine's own 503/429 bounces
 * while back pressure's attempt hooks take it as a penalty (AttemptHooks.engineRefused; never with it off).
 */
export class CountedRetries implements RetryPolicy {
  private readonly numRetries: number;
  private readonly hooks: AttemptHooks;

  constructor(numRetries: number, hooks: AttemptHooks) {
    this.numRetries = numRetries;
    this.hooks = hooks;
  }

  judge(pr: ProxyRequest, x: Exchange, end: FailedEnd): RetryVerdict {
    if (end === 'retryable_status' && this.hooks.engineRefused(pr, x)) return 'bounce';
    // A 4xx is the request's own: every deployment of the group would answer it the same.
    if (end === 'judged_status') return 'stop';
    return pr.attempts - pr.attemptsBefore > this.numRetries ? 'stop' : 'retry';
  }
}

export interface RetryHandlerOptions {
  policy: RetryPolicy;
  /** The layer below: where a request, first or again, is sent. */
  router: Router;
  end: RequestEnd;
  failures: DeploymentFailures;
  metrics: GatewayMetrics;
}

export class RetryHandler {
  private readonly policy: RetryPolicy;
  private readonly router: Router;
  private readonly end: RequestEnd;
  private readonly failures: DeploymentFailures;
  private readonly metrics: GatewayMetrics;

  constructor(o: RetryHandlerOptions) {
    this.policy = o.policy;
    this.router = o.router;
    this.end = o.end;
    this.failures = o.failures;
    this.metrics = o.metrics;
  }

  /** Routes `pr` and acts on the answer; a request the router queued is dispatched by the queue later. */
  dispatch(pr: ProxyRequest): void {
    try {
      const r = this.router.route(pr);
      if (typeof r !== 'string') this.end.reject(pr, r);
      else if (r === 'exhausted') this.end.failAfterAttempts(pr);
    } catch (err) {
      this.end.fail(pr, 'routing', err);
    }
  }

  /** An attempt of `pr` failed before anything reached the client; its holds have ended. */
  failed(pr: ProxyRequest, x: Exchange, end: FailedEnd): void {
    const d = x.deployment;
    const verdict = this.policy.judge(pr, x, end);
    // A held 4xx counts for its deployment as it did when it was relayed at once: as an answer.
    if (end === 'judged_status') d.recordSuccess();
    else if (verdict !== 'bounce') this.failures.record(d, failureLabel(end, x.status), x.retryAfterMs);
    pr.failedUpstreamMs += performance.now() - x.dispatchMs;
    pr.lastFailure = x;
    pr.lastFailureKind = end;
    if (pr.clientClosed) return this.end.finish(pr, 'client_closed', outcomes.client_closed.status, d.id);
    if (verdict === 'stop') return this.end.failAfterAttempts(pr);
    (pr.tried ??= []).push(d);
    if (verdict === 'retry') this.metrics.retries.inc({ model_group: pr.ctx.group });
    this.dispatch(pr);
  }
}

/** The `status` label of a failed attempt in spillway_deployment_failure_responses_total. */
function failureLabel(end: FailedEnd, status: number): string {
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
