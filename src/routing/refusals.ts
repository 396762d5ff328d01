/**
 * The refusing drops of one selection, and the NoRoute they make when nothing was picked:
 *   busy              when an engine gate refused any deployment (Retry-After 0: back pressure queues)
 *   deployment_limit  else when any was at its limits; Retry-After the soonest room or hold
 *   all_cooling_down  else; Retry-After the shortest hold, 1 s when none holds
 */
import type { Drops, NoRoute, DropReason as Reason } from './selection.ts';

const BUSY: NoRoute = { reason: 'busy', retryAfterMs: 0 };

export class Refusals {
  // Per reason, the soonest a deployment dropped for it may pass again; Infinity while none was.
  private readonly soonest: Record<Reason, number> = {
    busy: Infinity,
    deployment_limit: Infinity,
    all_cooling_down: Infinity,
  };
  private readonly dropped: Record<Reason, boolean> = { busy: false, deployment_limit: false, all_cooling_down: false };

  clear(): void {
    const { soonest, dropped } = this;
    soonest.busy = soonest.deployment_limit = soonest.all_cooling_down = Infinity;
    dropped.busy = dropped.deployment_limit = dropped.all_cooling_down = false;
  }

  busy(): boolean {
    return this.dropped.busy;
  }

  /** Notes as dropped each of `list` not among the first `kept` of `out` (a filter keeps the order). */
  note<D>(drops: Drops<D>, list: readonly D[], out: readonly D[], kept: number): void {
    const r = drops.reason;
    this.dropped[r] = true;
    for (let i = 0, j = 0; i < list.length; i++) {
      if (j < kept && out[j] === list[i]) j++;
      else this.soonest[r] = Math.min(this.soonest[r], drops.waitMs(list[i]));
    }
  }

  noRoute(): NoRoute {
    if (this.dropped.busy) return BUSY;
    const hold = this.soonest.all_cooling_down;
    if (this.dropped.deployment_limit)
      return { reason: 'deployment_limit', retryAfterMs: Math.min(this.soonest.deployment_limit, hold) };
    // Every deployment is cooling down on an upstream's own Retry-After: the one case still refused.
    return { reason: 'all_cooling_down', retryAfterMs: hold === Infinity ? 1000 : hold };
  }
}
