/**
 * Fallbacks and spillover, as one move: the request leaves its model group for the next one its fallback
 * chains name (./fallback-routes.ts). Its holds on the group it leaves end first (queue place, admission), then
 * it is admitted by the new group's own back pressure and sent down through the retry handler, which routes it
 * among the new group's deployments with retries of their own. A refusal there may send it on again, until
 * the chains or `max_fallbacks` run out; then the refusal, or the last failure, is the answer.
 *
 *   spill      back pressure refused it (any level) and its group spills its class: `x-spillway-spilled-to`
 *   fallback   its retries failed, every deployment is limited or cooling down, or the engine answered its
 *              context-length / content-policy error: `x-spillway-fallback-to`
 */
import type { FallbackMetrics } from '../metrics/fallback-metrics.ts';
import { rejectedBy } from '../outcome/outcomes.ts';
import type { ModelGroup } from '../routing/group.ts';
import { clientErrorKind } from '../upstream/client-error.ts';
import type { Refusal } from './backpressure/refusals.ts';
import type { FallbackKind, FallbackRoutes } from './fallback-routes.ts';
import type { ProxyRequest } from './proxy-request.ts';
import type { RequestEnd } from './request-end.ts';
import type { RetryHandler } from './retry-handler.ts';
import type { AdmissionStage, Diversion } from './stages.ts';

export const SPILLED_TO_HEADER = 'x-spillway-spilled-to';
export const FALLBACK_TO_HEADER = 'x-spillway-fallback-to';

export interface FallbacksOptions {
  routes: FallbackRoutes;
  admission: AdmissionStage;
  retries: RetryHandler;
  end: RequestEnd;
  metrics: FallbackMetrics;
}

export class Fallbacks implements Diversion {
  private readonly routes: FallbackRoutes;
  private readonly admission: AdmissionStage;
  private readonly retries: RetryHandler;
  private readonly end: RequestEnd;
  private readonly metrics: FallbackMetrics;

  constructor(o: FallbacksOptions) {
    this.routes = o.routes;
    this.admission = o.admission;
    this.retries = o.retries;
    this.end = o.end;
    this.metrics = o.metrics;
  }

  refused(pr: ProxyRequest, r: Refusal): boolean {
    const outcome = r.outcome;
    if (outcome in rejectedBy) {
      const gate = rejectedBy[outcome as keyof typeof rejectedBy];
      if (!this.routes.spills(pr.ctx.group, pr.ctx.priority)) return false;
      const to = this.next(pr, 'general');
      if (to === undefined) return false;
      this.metrics.spills.inc({ model_group: pr.ctx.group, to: to.name, gate });
      return this.move(pr, to, SPILLED_TO_HEADER);
    }
    // Routing's own "no deployment can take it now" is LiteLLM's RouterRateLimitError, which falls back.
    if (outcome !== 'deployment_limit' && outcome !== 'all_cooling_down') return false;
    return this.fallBack(pr, 'general');
  }

  failed(pr: ProxyRequest): boolean {
    if (pr.lastFailureKind !== 'judged_status') return this.fallBack(pr, 'general');
    const x = pr.lastFailure!;
    const kind = clientErrorKind(x.status, x.errorBody);
    return kind !== undefined && this.fallBack(pr, kind);
  }

  private fallBack(pr: ProxyRequest, kind: FallbackKind): boolean {
    const to = this.next(pr, kind);
    if (to === undefined) return false;
    this.metrics.fallbacks.inc({ model_group: pr.ctx.group, to: to.name, kind });
    return this.move(pr, to, FALLBACK_TO_HEADER);
  }

  private next(pr: ProxyRequest, kind: FallbackKind): ModelGroup | undefined {
    // A stream whose head went out (status events) cannot be answered by another group's headers.
    if (pr.finished || pr.clientClosed || pr.res.headersSent) return undefined;
    return this.routes.next(pr.path ?? [pr.ctx.group], kind);
  }

  /** The request leaves its group for `to`: its holds there end, `to`'s admission judges it, then routing. */
  private move(pr: ProxyRequest, to: ModelGroup, header: string): true {
    this.admission.release(pr, 'failure');
    pr.bp = undefined;
    (pr.path ??= [pr.ctx.group]).push(to.name);
    pr.ctx = pr.ctx.forGroup(to);
    pr.tried = undefined;
    pr.attemptsBefore = pr.attempts;
    pr.judgeClientErrors = this.routes.judgesClientErrors(to.name);
    pr.detour = [header, to.name];
    const refused = this.admission.admit(pr);
    // A refusal by the new group's admission may send the request on again (RequestEnd.reject asks here).
    if (refused !== undefined) this.end.reject(pr, refused);
    else this.retries.dispatch(pr);
    return true;
  }
}
