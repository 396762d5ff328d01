/**
 * Every key's and team's counters on this instance (./counters.ts), keyed on the key's hash and the team's id so
 * that a replaced Tenant (a key update) keeps them; and the usage not yet flushed, drained as one batch of
 * UsageDelta (./usage-flusher.ts). The tenant gate (src/pipeline/tenant-gate.ts) is its one writer.
 */
import type { Clock } from '../util/clock.ts';
import { TenantCounters } from './counters.ts';
import type { TenantMetrics } from './tenant-metrics.ts';
import type { Tenant, UsageDelta } from './types.ts';

export class TenantLedger {
  private readonly keys = new Map<string, TenantCounters>();
  private readonly teams = new Map<string, TenantCounters>();
  private readonly clock: Clock;
  readonly metrics: TenantMetrics;

  constructor(clock: Clock, metrics: TenantMetrics) {
    this.clock = clock;
    this.metrics = metrics;
  }

  /** A key's counters; its metrics label follows the key's label (an alias may change). */
  key(t: Tenant): TenantCounters {
    let c = this.keys.get(t.key.hash);
    if (c === undefined) {
      c = new TenantCounters(this.clock, this.metrics.label(t.label));
      this.keys.set(t.key.hash, c);
    } else if (c.label.name !== t.label) c.label = this.metrics.label(t.label);
    c.teamId = t.key.teamId;
    return c;
  }

  /** A team's counters; their label is never used (usage is counted under its keys' labels). */
  team(id: string, key: TenantCounters): TenantCounters {
    let c = this.teams.get(id);
    if (c === undefined) {
      c = new TenantCounters(this.clock, key.label);
      this.teams.set(id, c);
    }
    return c;
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

  /** Requests in flight over every key and team: 0 once every request ended (tests assert it). */
  inFlight(): number {
    let n = 0;
    for (const c of this.keys.values()) n += c.inFlight;
    for (const c of this.teams.values()) n += c.inFlight;
    return n;
  }
}
