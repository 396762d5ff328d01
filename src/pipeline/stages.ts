/**
 * The seams of the pipeline whose implementation is chosen once, when the gateway is built: with back pressure
 * off they are the no-op values below, so no stage asks per request whether it is on.
 *
 *   admission     before the body (precheck), once the group is known (admit), its hold ended at finish
 *   router        a request → Dispatched | Queued | exhausted | Refusal (./router.ts; back pressure's queue)
 *   attempt hooks what back pressure measures on each attempt (engine slot, TTFT/ITL, engine refusals)
 *   tenants       a key's models, limits and budget, before admission (./tenant-gate.ts); NO_TENANTS with keys off
 *   diversion     a refusal or a failed group sent on to a fallback group (./diversion.ts); NO_DIVERSION without
 */
import type { Priority } from '../admission/priority.ts';
import type { ClientResponse } from '../outcome/client-response.ts';
import { sendError } from '../outcome/openai-error.ts';
import { type Outcome, outcomes } from '../outcome/outcomes.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { Exchange, ExchangeEnd } from '../upstream/exchange.ts';
import type { PermitEnd } from '../util/permit.ts';
import type { Refusal } from './backpressure/refusals.ts';
import type { ProxyRequest } from './proxy-request.ts';

export interface TenantStage {
  /** The tenant's models, limits and budget; on success the request holds its tenant's slot until finish. */
  admit(pr: ProxyRequest): Refusal | undefined;
  /** A whole response from `d`: its usage counted (tpm, spend). */
  completed(pr: ProxyRequest, d: Deployment): void;
  /** Ends the tenant's hold and counts the request: once, from RequestEnd.finish. */
  release(pr: ProxyRequest, outcome: Outcome): void;
}

/** Keys off: no request has a tenant, so nothing is judged or counted. */
export const NO_TENANTS: TenantStage = {
  admit: () => undefined,
  completed() {},
  release() {},
};

export interface AdmissionStage {
  /** The checks that need no body; a refusal is counted here and sent by the ingress with `sendEarly`. */
  precheck(priority: Priority | -1, arrivalMs: number): Refusal | undefined;
  sendEarly(res: ClientResponse, r: Refusal): number;
  /** Every admission check once the model group is known; on success the request holds its admission. */
  admit(pr: ProxyRequest): Refusal | undefined;
  /** Writes a refusal for `pr`; returns the status it is counted with. */
  send(pr: ProxyRequest, r: Refusal): number;
  /** Ends what the request still holds (queue place, admission): once, from RequestEnd.finish. */
  release(pr: ProxyRequest, how: PermitEnd): void;
  /** The client of a queued request went away: it left the queue and ended. False when it was not queued. */
  clientGone(pr: ProxyRequest): boolean;
}

/** Where the router sent a request: to an engine, into the queue (dispatched later), or nowhere. */
export type RouteResult = 'dispatched' | 'queued' | 'exhausted' | Refusal;

export interface Router {
  /** Never calls its caller back: a queued request is dispatched downward when capacity frees up. */
  route(pr: ProxyRequest): RouteResult;
}

/**
 * How an attempt's permits end: `dropped` when the engine refused (503/429) or timed it out, the signal its
 * concurrency limit learns from; `success` when it completed; `failure` otherwise.
 */
export function permitEnd(end: ExchangeEnd, status: number): PermitEnd {
  if (end === 'timeout' || (end === 'retryable_status' && (status === 503 || status === 429))) return 'dropped';
  // A 4xx held for a fallback to judge is an answer, as it was before fallbacks held it.
  return end === 'complete' || end === 'judged_status' ? 'success' : 'failure';
}

/**
 * Fallbacks and spillover: instead of the answer a request's group would end it with, the request goes on to
 * a fallback group. Each returns true when it did (the request is that group's now), false to end it here.
 */
export interface Diversion {
  /** A refusal: back pressure's (spillover) or routing's own (every deployment limited or cooling down). */
  refused(pr: ProxyRequest, r: Refusal): boolean;
  /** The group's attempts failed, or its engine answered a 4xx a fallback may take (judged_status). */
  failed(pr: ProxyRequest): boolean;
}

export const NO_DIVERSION: Diversion = {
  refused: () => false,
  failed: () => false,
};

export interface AttemptHooks {
  /** Output tokens are counted on streams for these hooks (they measure TTFT and ITL). */
  readonly countsTokens: boolean;
  dispatched(pr: ProxyRequest, d: Deployment): void;
  /** The upstream's head; true when the client already got one (status events) and the relay must not send it. */
  head(pr: ProxyRequest, status: number): boolean;
  chunk(pr: ProxyRequest, tokens: number): void;
  /** The attempt ended, as its permits end (permitEnd). */
  ended(pr: ProxyRequest, how: PermitEnd): void;
  /** The engine refused the request itself (503/429): true when it is re-routed rather than failed. */
  engineRefused(pr: ProxyRequest, x: Exchange): boolean;
}

export const NO_ATTEMPT_HOOKS: AttemptHooks = {
  countsTokens: false,
  dispatched() {},
  head: () => false,
  chunk() {},
  ended() {},
  engineRefused: () => false,
};

/** Admission with back pressure off: everything is admitted, refusals are the outcome's plain error. */
export const OPEN_ADMISSION: AdmissionStage = {
  precheck: () => undefined,
  sendEarly: (res, r) => sendPlain(res, r),
  admit: () => undefined,
  send: (pr, r) => sendPlain(pr.res, r),
  release() {},
  clientGone: () => false,
};

function sendPlain(res: ClientResponse, r: Refusal): number {
  const o = outcomes[r.outcome];
  sendError(res, o.status, { message: r.message, type: o.type, param: r.param ?? null, code: o.code }, r.retryAfterMs);
  return o.status;
}
