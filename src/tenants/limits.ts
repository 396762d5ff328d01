/**
 * The tenant gate's checks for one key or one team, in the gate's order: models, then max_parallel_requests, rpm
 * and tpm (429 with Retry-After: for rpm/tpm the time until the minute's window frees room; for parallel 1 s, a
 * hint, as deployments say it), then the budget. Each returns a refusal or undefined; they read the counters and
 * never change them (the gate's TenantHold takes the slot).
 */
import type { TenantCounters } from './counters.ts';
import type { KeyInfo, TeamInfo } from './types.ts';

type Limits = KeyInfo | TeamInfo;

/** What the pipeline's Refusal (src/pipeline/backpressure/refusals.ts) needs: this folder comes before it. */
export interface TenantRefusal {
  outcome: TenantOutcome;
  message: string;
  retryAfterMs?: number;
  param?: string;
}

export type TenantOutcome = Codes['model'] | Codes['rpm'] | Codes['tpm'] | Codes['parallel'] | 'budget_exceeded';

interface Codes {
  readonly who: string;
  readonly model: 'key_model_denied' | 'team_model_denied';
  readonly rpm: 'key_rpm_limit' | 'team_rpm_limit';
  readonly tpm: 'key_tpm_limit' | 'team_tpm_limit';
  readonly parallel: 'key_parallel_limit' | 'team_parallel_limit';
}

export const KEY_CODES: Codes = {
  who: 'key',
  model: 'key_model_denied',
  rpm: 'key_rpm_limit',
  tpm: 'key_tpm_limit',
  parallel: 'key_parallel_limit',
};
export const TEAM_CODES: Codes = {
  who: 'team',
  model: 'team_model_denied',
  rpm: 'team_rpm_limit',
  tpm: 'team_tpm_limit',
  parallel: 'team_parallel_limit',
};

/** A parallel limit frees up on the next completion: 1 s is a hint, not a promise. */
const PARALLEL_RETRY_MS = 1000;

/** `models` undefined or empty, or holding `*`: every group. */
export function modelRefusal(info: Limits, group: string, codes: Codes, name: string): TenantRefusal | undefined {
  const models = info.models;
  if (models === undefined || models.length === 0 || models.includes(group) || models.includes('*')) return;
  return {
    outcome: codes.model,
    message: `The ${codes.who} "${name}" may not use model "${group.slice(0, 256)}"; it may use: ${models.join(', ')}.`,
    param: 'model',
  };
}

export function rateRefusal(info: Limits, c: TenantCounters, codes: Codes, name: string): TenantRefusal | undefined {
  const max = info.maxParallelRequests;
  if (max !== undefined && c.inFlight >= max)
    return {
      outcome: codes.parallel,
      message: `The ${codes.who} "${name}" has ${max} requests in flight, its max_parallel_requests.`,
      retryAfterMs: PARALLEL_RETRY_MS,
    };
  if (info.rpmLimit !== undefined && c.requests.current() >= info.rpmLimit)
    return {
      outcome: codes.rpm,
      message: `The ${codes.who} "${name}" reached its rpm_limit of ${info.rpmLimit} requests this minute.`,
      retryAfterMs: c.requests.msUntilReset(),
    };
  if (info.tpmLimit !== undefined && c.tokens.current() >= info.tpmLimit)
    return {
      outcome: codes.tpm,
      message: `The ${codes.who} "${name}" reached its tpm_limit of ${info.tpmLimit} tokens this minute.`,
      retryAfterMs: c.tokens.msUntilReset(),
    };
  return undefined;
}

/**
 * Spend = the stored spend (0 once budget_reset_at has passed: the store resets it) + what this instance counted
 * that the stored figure does not include yet. At or over max_budget: refused until budget_reset_at, if any.
 */
export function budgetRefusal(
  info: Limits,
  c: TenantCounters,
  who: string,
  name: string,
  wallNow: number,
): TenantRefusal | undefined {
  const max = info.maxBudget;
  if (max === undefined) return undefined;
  const resetAt = info.budgetResetAtMs;
  const stored = resetAt !== undefined && wallNow >= resetAt ? 0 : info.spend;
  const spend = stored + c.spendOnTop(info);
  if (spend < max) return undefined;
  return {
    outcome: 'budget_exceeded',
    message: `Budget has been exceeded: the ${who} "${name}" spent ${spend}, its max_budget is ${max}.`,
    retryAfterMs: resetAt !== undefined && resetAt > wallNow ? resetAt - wallNow : undefined,
  };
}
