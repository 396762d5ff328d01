/**
 * One model group's tenants as its ingress counts them: each tenant's requests admitted and not finished and
 * their KV estimates, and the weight of the tenants holding any (what a full limit is shared by:
 * ./weighted.ts). A tenant is kept while it holds something and forgotten when it holds nothing, so the table
 * is as large as the tenants in flight, whatever the number of keys. Requests without a tenant (or every
 * request, with fairness off) count as one, `anonymous`, kept for good: no lookup and no allocation for them.
 */
import type { FairIdentity, FairnessPolicy } from './types.ts';

export const ANONYMOUS = 'anonymous';

/** A tenant's holdings in one group; also its flows in the group's router queue (src/routing/queue/fair-flows.ts). */
export class TenantLoad {
  readonly id: string;
  /** Its weight when it became active (a changed key weighs anew once it has been idle). */
  readonly weight: number;
  inFlight = 0;
  kvBlocks = 0;
  /** The router queue's per-class state for this tenant (opaque here). */
  readonly flows: unknown[] = [];

  constructor(id: string, weight: number) {
    this.id = id;
    // A weight of 0 (or none) would never be served while others queue: such a key weighs as the default.
    this.weight = weight > 0 ? weight : 1;
  }
}

export class TenantShares {
  readonly anonymous = new TenantLoad(ANONYMOUS, 1);
  /** Σ weights of the tenants holding something. */
  activeWeight = 0;
  /** Tenants holding something. */
  activeCount = 0;
  private readonly named = new Map<string, TenantLoad>();

  /** The load of `who` (undefined: anonymous); a new, inactive one when it holds nothing now. */
  loadOf(who: FairIdentity | undefined): TenantLoad {
    if (who === undefined) return this.anonymous;
    return this.named.get(who.id) ?? new TenantLoad(who.id, who.weight);
  }

  /** Whether tenants other than `t` hold something: only then is there anything to share. */
  othersActive(t: TenantLoad): boolean {
    return this.activeCount > (t.inFlight > 0 ? 1 : 0);
  }

  /** The active weight with `t` counted in. */
  weightWith(t: TenantLoad): number {
    return t.inFlight > 0 ? this.activeWeight : this.activeWeight + t.weight;
  }

  admitted(t: TenantLoad, kvBlocks: number): void {
    if (t.inFlight++ === 0) {
      this.activeWeight += t.weight;
      this.activeCount++;
      if (t !== this.anonymous) this.named.set(t.id, t);
    }
    t.kvBlocks += kvBlocks;
  }

  /** False when `t` held nothing (a double release). */
  released(t: TenantLoad, kvBlocks: number): boolean {
    if (t.inFlight <= 0) return false;
    t.kvBlocks -= kvBlocks;
    if (--t.inFlight > 0) return true;
    t.kvBlocks = 0; // float sums of estimates can leave dust
    this.activeCount--;
    this.activeWeight = this.activeCount === 0 ? 0 : this.activeWeight - t.weight;
    if (t !== this.anonymous) this.named.delete(t.id);
    return true;
  }

  /**
   * Whether `t` holds less than its weighted share of `total` (the group's admitted requests) by `policy`,
   * while others hold some too: a tenant the others' overload is no reason to refuse.
   */
  holdsUnderShare(t: TenantLoad, policy: FairnessPolicy, total: number): boolean {
    return this.othersActive(t) && policy.underShare(t.inFlight, 0, t.weight, this.weightWith(t), total);
  }

  /** Named tenants holding something (the accounting checks: 0 when nothing is in flight). */
  get size(): number {
    return this.named.size;
  }
}
