/**
 * weighted: a full limit L is shared among the tenants holding some of it in proportion to their weights. A
 * tenant t may take `more` past the full limit while
 *
 *   held_t + more  ≤  L · w_t / Σ_{active u} w_u
 *
 * so one under its share is never refused because another is over its own. The excess this admits is bounded
 * by the under-share tenants' remaining shares, and the tenants over theirs are refused until their holdings
 * fall back: the heavy tenant absorbs the refusals. In the router queue the same weights order each class
 * (start-time fair queueing, src/routing/queue/fair-flows.ts).
 */
import type { FairIdentity, FairnessPolicy } from './types.ts';

export const weighted: FairnessPolicy = {
  name: 'weighted',
  identity(tenant: FairIdentity | undefined): FairIdentity | undefined {
    return tenant;
  },
  underShare(held: number, more: number, weight: number, activeWeight: number, limit: number): boolean {
    return (held + more) * activeWeight <= limit * weight;
  },
};
