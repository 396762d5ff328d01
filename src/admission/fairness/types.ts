/**
 * Fairness among tenants within a priority class (docs/BACKPRESSURE.md, "Fairness"): how a limit that is full
 * is shared. The ingress's group in-flight cap and KV budget ask the policy whether a tenant may go past a full
 * limit because it holds less than its share; the router queue orders each class by tenant (src/routing/queue/
 * fair-flows.ts) for whatever identity the policy gives.
 */

/** A tenant as fairness sees it (src/tenants/types.ts `Tenant` is one). */
export interface FairIdentity {
  readonly id: string;
  /** Its share within its class relative to the others' (> 0). */
  readonly weight: number;
}

export interface FairnessPolicy {
  readonly name: string;
  /** Whom a request counts as: its tenant, or undefined for the one tenant of every request without one. */
  identity(tenant: FairIdentity | undefined): FairIdentity | undefined;
  /**
   * Whether a tenant may take `more` of a limit that is full: it holds `held` of it, its weight is `weight` of
   * `activeWeight` (the weights of the tenants holding some of it, its own included), and `limit` is the limit.
   */
  underShare(held: number, more: number, weight: number, activeWeight: number, limit: number): boolean;
}
