/**
 * The tenant gate (issue 15): for every request with a tenant, after its body is read and before back pressure's
 * admission, the key's and its team's models, limits and budget (./limits.ts), then a slot held to the request's
 * end (./hold.ts). A whole response's usage (the upstream's `usage`) is counted for tpm, spend and the usage
 * flushed to the store (./usage-flusher.ts); a stream the client did not ask usage for is asked for it upstream
 * and has it stripped on the way back (../relay/usage-strip.ts), so every tenant's streamed tokens count.
 *
 * Counters live here, keyed on the key's hash and the team's id, so a replaced Tenant (a key update) keeps them.
 * A request without a tenant costs one field read.
 */

import { usagePromptTokens } from '../load/stream-tokens.ts';
import type { Outcome } from '../outcome/outcomes.ts';
import { outcomes } from '../outcome/outcomes.ts';
import type { Refusal } from '../pipeline/backpressure/refusals.ts';
import type { ProxyRequest } from '../pipeline/proxy-request.ts';
import type { TenantStage } from '../pipeline/stages.ts';
import { responseTail, usageCompletionTokens } from '../relay/usage.ts';
import { UsageStripper } from '../relay/usage-strip.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { Clock } from '../util/clock.ts';
import { TenantCounters } from './counters.ts';
import { TenantHold } from './hold.ts';
import { budgetRefusal, KEY_CODES, modelRefusal, rateRefusal, TEAM_CODES } from './limits.ts';
import type { TenantMetrics } from './tenant-metrics.ts';
import type { Tenant, UsageDelta } from './types.ts';

export interface TenantGateOptions {
  /** Monotonic: the rpm/tpm minutes. */
  clock: Clock;
  /** Wall clock: budget_reset_at. */
  wallClock?: () => number;
  metrics: TenantMetrics;
}

export class TenantGate implements TenantStage {
  private readonly keys = new Map<string, TenantCounters>();
  private readonly teams = new Map<string, TenantCounters>();
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly metrics: TenantMetrics;

  constructor(o: TenantGateOptions) {
    this.clock = o.clock;
    this.wallClock = o.wallClock ?? Date.now;
    this.metrics = o.metrics;
  }

  admit(pr: ProxyRequest): Refusal | undefined {
    const t = pr.ctx.tenant;
    if (t === undefined) return undefined;
    const key = this.keyCounters(t);
    const team = t.team === undefined ? undefined : this.teamCounters(t.team.id, key);
    const hold = new TenantHold(key, team);
    pr.tenant = hold;
    const refused = this.judge(pr, t, key, team);
    if (refused !== undefined) return refused;
    hold.admit();
    const ctx = pr.ctx;
    // Streamed usage: asked for upstream when the client did not ask (and said nothing of stream_options).
    if (ctx.stream && ctx.endpoint !== 'embeddings' && ctx.body.stream_options === undefined)
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
      this.metrics.refused(key.label, outcomes[outcome].code);
  }

  /** The usage not yet flushed, one delta per key; the keys' and teams' pending usage is cleared. */
  drainUsage(): UsageDelta[] {
    const batch: UsageDelta[] = [];
    for (const [keyHash, c] of this.keys) {
      if (!c.hasPending()) continue;
      batch.push({
        keyHash,
        teamId: c.teamId,
        requests: c.pendingRequests,
        promptTokens: c.pendingPromptTokens,
        completionTokens: c.pendingCompletionTokens,
        spend: c.pendingSpend,
      });
      c.flushed();
    }
    for (const c of this.teams.values()) c.flushed();
    return batch;
  }

  /** A batch the store did not take: pending again. */
  restoreUsage(batch: readonly UsageDelta[]): void {
    for (const u of batch) {
      this.keys.get(u.keyHash)?.restore(u.requests, u.promptTokens, u.completionTokens, u.spend);
      if (u.teamId !== undefined) this.teams.get(u.teamId)?.restore(0, 0, 0, u.spend);
    }
  }

  /** In flight across every key (tests: back to zero after every scenario). */
  inFlight(): number {
    let n = 0;
    for (const c of this.keys.values()) n += c.inFlight;
    for (const c of this.teams.values()) n += c.inFlight;
    return n;
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

  /** A key's counters; its metrics label follows the key's label (an alias may change). */
  private keyCounters(t: Tenant): TenantCounters {
    let c = this.keys.get(t.key.hash);
    if (c === undefined) {
      c = new TenantCounters(this.clock, this.metrics.label(t.label));
      this.keys.set(t.key.hash, c);
    } else if (c.label.name !== t.label) c.label = this.metrics.label(t.label);
    c.teamId = t.key.teamId;
    return c;
  }

  /** A team's counters (their label is never used for metrics: usage is counted under its keys' labels). */
  private teamCounters(id: string, key: TenantCounters): TenantCounters {
    let c = this.teams.get(id);
    if (c === undefined) {
      c = new TenantCounters(this.clock, key.label);
      this.teams.set(id, c);
    }
    return c;
  }
}

function add(c: TenantCounters, prompt: number, completion: number, spend: number): void {
  c.tokens.add(prompt + completion);
  c.pendingPromptTokens += prompt;
  c.pendingCompletionTokens += completion;
  c.pendingSpend += spend;
}
