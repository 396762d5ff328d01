/**
 * Level 1, the ingress: admits or refuses a request before any engine is chosen, from counters alone. It owns
 * the in-flight counters (global, per group, per class) and the KV ledger; every admitted request holds one
 * admission that `release` gives back exactly once. Checks, in order, for a request of class c (f = f(c)):
 *
 *   global in-flight   in_flight ≥ f · max_in_flight                       → ingress_inflight
 *   group in-flight    group_in_flight ≥ f · group_max_in_flight           → ingress_inflight
 *   KV budget          see ./kv-budget.ts                                  → ingress_kv_budget
 *   shedding           sheddable only: refused with p = rule(ρ / f)        → ingress_priority_shed
 *                      where ρ = the highest of the three load ratios
 *
 * The group's two limits are shared among its tenants (./fairness/): a tenant under its weighted share of a
 * full one passes it, while others hold some too. The global cap protects the process and is nobody's share.
 *
 * `precheck` runs the global checks alone, before the request body is read; `admit` runs them all once the
 * model group is known, and is the one that counts.
 */
import type { Permit, PermitEnd } from '../util/permit.ts';
import type { Random } from '../util/random.ts';
import type { Ref } from '../util/ref.ts';
import type { FairnessPolicy } from './fairness/registry.ts';
import { type TenantLoad, TenantShares } from './fairness/tenant-shares.ts';
import { type KvBudgetSource, kvBudgetAllows, kvBudgetRatio, kvOvercommit } from './kv-budget.ts';
import { type Priority, type PriorityFractions, SHEDDABLE } from './priority.ts';
import type { ShedRule } from './shedding/types.ts';

export type IngressVerdict = 'ok' | 'ingress_inflight' | 'ingress_kv_budget' | 'ingress_priority_shed';

/** Thresholds, read through a reference at every decision, so a run-time change applies to the next request. */
export interface IngressSettings {
  /** Whole gateway; Infinity for none. */
  readonly maxInFlight: number;
  readonly kvOvercommit: number;
  readonly fractions: PriorityFractions;
  readonly shed: ShedRule;
  /** How a full group limit is shared among tenants (./fairness/). */
  readonly fairness: FairnessPolicy;
}

/** A group's own threshold. */
export interface GroupLimits {
  /** Infinity for none (groupInFlightCap). */
  readonly maxInFlight: number;
}

/** One model group's counters. */
export class GroupAdmission {
  readonly name: string;
  inFlight = 0;
  readonly byPriority = [0, 0, 0];
  /** Σ of the admitted requests' KV estimates: the ledger KV source reads it. */
  kvBlocks = 0;
  /** The same counts per tenant. */
  readonly tenants = new TenantShares();

  private readonly limits: Ref<GroupLimits>;

  constructor(name: string, limits: Ref<GroupLimits>) {
    this.name = name;
    this.limits = limits;
  }

  get maxInFlight(): number {
    return this.limits.current.maxInFlight;
  }
}

/**
 * A group's in-flight cap: its own `max_in_flight`, else `max_in_flight_per_engine` × its engines when that is
 * set, else none (Infinity) and only the gateway's cap applies. The default is none on purpose: this cap
 * counts requests, not capacity, so any default would guess at what an upstream holds, and the guess is wrong
 * both ways (512 per engine refused the seed's 1,000 users on one mock that was nowhere near its limit, and
 * is far above what a KV-bound engine holds). Real engines are bounded by what measures them (the KV budget,
 * the busy thresholds, each engine's concurrency limit and the router queue's bounds); the gateway's
 * `max_in_flight` bounds what one process holds, whatever the upstreams.
 */
export function groupInFlightCap(groupCap: number | undefined, perEngine: number | undefined, engines: number): number {
  return groupCap ?? (perEngine === undefined ? Infinity : perEngine * engines);
}

export interface IngressAdmissionOptions {
  settings: Ref<IngressSettings>;
  kv: KvBudgetSource;
  random: Random;
}

export class IngressAdmission {
  inFlight = 0;
  readonly byPriority = [0, 0, 0];
  /** Releases that found nothing to release: a bug; tests assert it stays 0. */
  releaseErrors = 0;
  /** The last `ingress_kv_budget` refusal's blocks in flight and budget, for its message (read, not recomputed). */
  readonly kvRefusal = { held: 0, budget: 0 };
  kv: KvBudgetSource;
  private readonly random: Random;
  private readonly settingsRef: Ref<IngressSettings>;

  constructor(o: IngressAdmissionOptions) {
    this.settingsRef = o.settings;
    this.kv = o.kv;
    this.random = o.random;
  }

  /** The thresholds in force now. */
  get settings(): IngressSettings {
    return this.settingsRef.current;
  }

  /** The body-less checks: the global in-flight cap and shedding on it. Counts nothing. */
  precheck(priority: Priority): IngressVerdict {
    const s = this.settings;
    const f = s.fractions[priority];
    const ratio = this.inFlight / s.maxInFlight;
    if (ratio >= f) return 'ingress_inflight';
    if (priority === SHEDDABLE && this.shed(ratio / f)) return 'ingress_priority_shed';
    return 'ok';
  }

  /**
   * Every check; on 'ok' the request is counted until `release`. `kvShare`: the part of the KV budget the class
   * may use now — its fraction while a class above it is active, else all
   * (src/pipeline/backpressure/class-activity.ts). `tenant`: whose request it is (./fairness/tenant-shares.ts).
   */
  admit(
    g: GroupAdmission,
    priority: Priority,
    kvBlocks: number,
    kvShare = this.settings.fractions[priority],
    tenant = g.tenants.anonymous,
  ): IngressVerdict {
    const s = this.settings;
    const f = s.fractions[priority];
    const globalRatio = this.inFlight / s.maxInFlight;
    if (globalRatio >= f) return 'ingress_inflight';
    const groupRatio = g.inFlight / g.maxInFlight;
    if (groupRatio >= f && !this.underShare(g, tenant, tenant.inFlight, 1, f * g.maxInFlight))
      return 'ingress_inflight';
    const capacity = this.kv.capacityBlocks(g.name);
    // Unknown capacity leaves the gate open (./kv-budget.ts): the held blocks are not summed for nothing.
    const held = capacity > 0 ? this.kv.inFlightBlocks(g.name, priority) : 0;
    const overcommit = capacity > 0 ? kvOvercommit(s.kvOvercommit, capacity, this.kv.drainBlocks(g.name, priority)) : 0;
    if (
      !kvBudgetAllows(held, kvBlocks, capacity, overcommit, kvShare) &&
      !this.underShare(g, tenant, tenant.kvBlocks, kvBlocks, kvShare * overcommit * capacity)
    ) {
      this.kvRefusal.held = held;
      this.kvRefusal.budget = kvShare * overcommit * capacity;
      return 'ingress_kv_budget';
    }
    if (priority === SHEDDABLE) {
      const ratio = Math.max(globalRatio, groupRatio, kvBudgetRatio(held, kvBlocks, capacity, overcommit));
      if (this.shed(ratio / f)) return 'ingress_priority_shed';
    }
    this.inFlight++;
    this.byPriority[priority]++;
    g.inFlight++;
    g.byPriority[priority]++;
    g.kvBlocks += kvBlocks;
    g.tenants.admitted(tenant, kvBlocks);
    return 'ok';
  }

  /** `admit`, holding what it counted in a permit that gives it back when it ends. */
  hold(
    g: GroupAdmission,
    priority: Priority,
    kvBlocks: number,
    kvShare = this.settings.fractions[priority],
    tenant = g.tenants.anonymous,
  ): AdmissionPermit | Exclude<IngressVerdict, 'ok'> {
    const v = this.admit(g, priority, kvBlocks, kvShare, tenant);
    return v === 'ok' ? new AdmissionPermit(this, g, priority, kvBlocks, tenant) : v;
  }

  release(g: GroupAdmission, priority: Priority, kvBlocks: number, tenant = g.tenants.anonymous): void {
    if (g.byPriority[priority] <= 0 || g.inFlight <= 0 || this.inFlight <= 0 || !g.tenants.released(tenant, kvBlocks)) {
      this.releaseErrors++;
      return;
    }
    this.inFlight--;
    this.byPriority[priority]--;
    g.inFlight--;
    g.byPriority[priority]--;
    g.kvBlocks -= kvBlocks;
    // Float sums of estimates can leave dust; an empty group holds nothing.
    if (g.inFlight === 0) g.kvBlocks = 0;
  }

  /** How many requests the global or group cap is over class c's share of it (≥ 1 when refused by it). */
  excess(g: GroupAdmission, priority: Priority): number {
    const f = this.settings.fractions[priority];
    return Math.max(
      1,
      this.inFlight - Math.floor(f * this.settings.maxInFlight) + 1,
      g.inFlight - Math.floor(f * g.maxInFlight) + 1,
    );
  }

  /** A full group limit: whether `t`, holding `held`, may take `more` of it as under its share (./fairness/). */
  private underShare(g: GroupAdmission, t: TenantLoad, held: number, more: number, limit: number): boolean {
    return (
      g.tenants.othersActive(t) &&
      this.settings.fairness.underShare(held, more, t.weight, g.tenants.weightWith(t), limit)
    );
  }

  private shed(r: number): boolean {
    const p = this.settings.shed.probability(r);
    return p > 0 && this.random() < p;
  }
}

/** One request's admission (counted by `hold`), given back when the request ends. */
export class AdmissionPermit implements Permit {
  private readonly admission: IngressAdmission;
  readonly group: GroupAdmission;
  readonly priority: Priority;
  readonly kvBlocks: number;
  readonly tenant: TenantLoad;

  constructor(
    admission: IngressAdmission,
    group: GroupAdmission,
    priority: Priority,
    kvBlocks: number,
    tenant: TenantLoad,
  ) {
    this.admission = admission;
    this.group = group;
    this.priority = priority;
    this.kvBlocks = kvBlocks;
    this.tenant = tenant;
  }

  end(how: PermitEnd): asserts this is never {
    void how;
    this.admission.release(this.group, this.priority, this.kvBlocks, this.tenant);
  }
}
