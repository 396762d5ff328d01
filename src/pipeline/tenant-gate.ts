/**
 * The tenant gate (issue 15): for every request with a tenant, after its body is read and before back pressure's
 * admission, the key's and its team's models, limits and budget (src/tenants/limits.ts), then a slot held to the
 * request's end (src/tenants/hold.ts). A whole 2xx response's usage (the upstream's `usage`) is counted for tpm,
 * spend and the usage flushed to the store (src/tenants/usage-flusher.ts). A stream whose client did not ask for
 * its usage is asked for it upstream, and has it stripped on the way back (../relay/usage-strip.ts), for every
 * tenant (not only those with a budget or tpm): the usage counters and /key/info report every key's tokens.
 *
 * Counters live in its ledger (src/tenants/ledger.ts), keyed on the key's hash and the team's id, so a replaced
 * Tenant (a key update) keeps them. A request without a tenant costs one field read.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { usagePromptTokens } from '../load/stream-tokens.ts';
import { type Outcome, outcomes } from '../outcome/outcomes.ts';
import { responseTail, usageCompletionTokens } from '../relay/usage.ts';
import { UsageStripper } from '../relay/usage-strip.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { TenantCounters } from '../tenants/counters.ts';
import { TenantHold } from '../tenants/hold.ts';
import { TenantLedger } from '../tenants/ledger.ts';
import { budgetRefusal, KEY_CODES, modelRefusal, rateRefusal, TEAM_CODES } from '../tenants/limits.ts';
import { TenantMetrics } from '../tenants/tenant-metrics.ts';
import type { KeyDirectory, Tenant } from '../tenants/types.ts';
import { UsageFlusher } from '../tenants/usage-flusher.ts';
import type { UsageSink } from '../tenants/usage-sink.ts';
import { takesIncludeUsage } from '../upstream/include-usage.ts';
import type { Clock } from '../util/clock.ts';
import type { Refusal } from './backpressure/refusals.ts';
import type { ProxyRequest } from './proxy-request.ts';
import type { TenantStage } from './stages.ts';

export interface TenantGateOptions {
  /** Monotonic: the rpm/tpm minutes. */
  clock: Clock;
  /** Wall clock: budget_reset_at. */
  wallClock?: () => number;
  metrics: TenantMetrics;
}

export class TenantGate implements TenantStage {
  readonly ledger: TenantLedger;
  private readonly wallClock: () => number;

  constructor(o: TenantGateOptions) {
    this.ledger = new TenantLedger(o.clock, o.metrics);
    this.wallClock = o.wallClock ?? Date.now;
  }

  admit(pr: ProxyRequest): Refusal | undefined {
    const t = pr.ctx.tenant;
    if (t === undefined) return undefined;
    const key = this.ledger.key(t);
    const team = t.team === undefined ? undefined : this.ledger.team(t.team.id, key);
    const hold = new TenantHold(key, team);
    pr.tenant = hold;
    const refused = this.judge(pr, t, key, team);
    if (refused !== undefined) return refused;
    hold.admit();
    const ctx = pr.ctx;
    // Streamed usage: asked for upstream when the client did not ask (and said nothing of stream_options).
    if (ctx.stream && takesIncludeUsage[ctx.endpoint] && ctx.body.stream_options === undefined)
      pr.stripper = new UsageStripper();
    return undefined;
  }

  /** A whole response ended: its usage, priced at the answering deployment's model_info costs. */
  completed(pr: ProxyRequest, d: Deployment): void {
    const hold = pr.tenant;
    if (hold === undefined) return;
    let prompt: number;
    let completion: number;
    const s = pr.stripper;
    if (s !== undefined && s.promptTokens !== -1) {
      prompt = s.promptTokens;
      completion = s.completionTokens;
    } else {
      const tail = responseTail(pr.tail, pr.prevTail);
      // Without the upstream's usage, the prompt is estimated as tpm does (body bytes ÷ 4), the output not at all.
      prompt = usagePromptTokens(tail) ?? Math.ceil(pr.ctx.bodyBytes / 4);
      completion = usageCompletionTokens(tail) ?? 0;
    }
    const c = d.config;
    const spend = prompt * (c.inputCostPerToken ?? 0) + completion * (c.outputCostPerToken ?? 0);
    add(hold.key, prompt, completion, spend);
    if (hold.team !== undefined) add(hold.team, prompt, completion, spend);
    const m = hold.key.label;
    m.promptTokens.inc(prompt);
    m.completionTokens.inc(completion);
    if (spend > 0) m.spend.inc(spend);
  }

  release(pr: ProxyRequest, outcome: Outcome): void {
    if (pr.tenant === undefined) return;
    const hold: TenantHold = pr.tenant;
    pr.tenant = undefined;
    const key = hold.key;
    hold.end();
    key.pendingRequests++;
    key.label.requests.inc();
    if (outcome !== 'upstream_response' && outcome !== 'client_closed')
      this.ledger.metrics.refused(key.label, outcomes[outcome].code);
  }

  private judge(pr: ProxyRequest, t: Tenant, key: TenantCounters, team: TenantCounters | undefined) {
    const group = pr.ctx.group;
    const k = t.key;
    const tm = t.team;
    if (tm === undefined || team === undefined)
      return (
        modelRefusal(k, group, KEY_CODES, t.label) ??
        rateRefusal(k, key, KEY_CODES, t.label) ??
        budgetRefusal(k, key, 'key', t.label, this.wallClock())
      );
    const teamName = tm.alias ?? tm.id;
    const now = this.wallClock();
    return (
      modelRefusal(k, group, KEY_CODES, t.label) ??
      modelRefusal(tm, group, TEAM_CODES, teamName) ??
      rateRefusal(k, key, KEY_CODES, t.label) ??
      rateRefusal(tm, team, TEAM_CODES, teamName) ??
      budgetRefusal(k, key, 'key', t.label, now) ??
      budgetRefusal(tm, team, 'team', teamName, now)
    );
  }
}

function add(c: TenantCounters, prompt: number, completion: number, spend: number): void {
  c.tokens.add(prompt + completion);
  c.pendingPromptTokens += prompt;
  c.pendingCompletionTokens += completion;
  c.pendingSpend += spend;
}

export interface TenantParts {
  readonly gate: TenantGate | undefined;
  readonly usage: UsageFlusher | undefined;
}

/**
 * Built once with the gateway: with keys on, the gate and (given a store) its usage flusher; with keys off,
 * neither (the pipeline's stage is NO_TENANTS). The metrics are registered either way.
 */
export function tenantParts(
  keys: KeyDirectory | undefined,
  sink: UsageSink | undefined,
  o: { registry: Registry; clock: Clock; log: Logger },
): TenantParts {
  const metrics = new TenantMetrics(o.registry);
  if (keys === undefined) return { gate: undefined, usage: undefined };
  const gate = new TenantGate({ clock: o.clock, metrics });
  return { gate, usage: sink === undefined ? undefined : new UsageFlusher(gate.ledger, sink, o.log) };
}
