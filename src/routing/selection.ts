/**
 * What a model group's own filters (./group-filters/) decide on, and what their drops add up to when nothing
 * is left: the NoRoute the pipeline turns into an outcome.
 */
import type { Priority } from '../admission/priority.ts';
import type { Deployment } from './deployment.ts';
import type { Filter } from './profile/types.ts';

/** Why no deployment could be chosen; the pipeline turns it into the matching outcome. */
export type NoRoute =
  | { reason: 'deployment_limit'; retryAfterMs: number }
  | { reason: 'all_cooling_down'; retryAfterMs: number }
  | { reason: 'busy'; retryAfterMs: number }
  /** Tag-based routing: the request's tags match no deployment of the group, and none is tagged `default`. */
  | { reason: 'no_tag_match'; retryAfterMs: number };

/** The reasons a group filter's drops refuse as (./refusals.ts). */
export type DropReason = Exclude<NoRoute['reason'], 'no_tag_match'>;

/**
 * Back pressure's per-engine check (levels 2 and 3) for a request of class `priority`; a deployment it refuses
 * is skipped as busy. O(1) and allocation-free: it runs for every candidate of every selection.
 */
export interface RouteGate {
  admits(d: Deployment, priority: Priority): boolean;
}

/** One selection's inputs beside the deployments: the request's class and the deployments it already tried. */
export interface Selection<D extends Deployment> {
  priority: Priority;
  tried: readonly D[] | undefined;
}

/** What a group filter's drops refuse as, and how long until a dropped `d` may pass again (the Retry-After). */
export interface Drops<D> {
  readonly reason: DropReason;
  waitMs(d: D): number;
}

/**
 * A filter of the group: what it drops counts toward the refusal `drops`. A filter without `drops` only steers
 * (rotation, retries, panic) and refuses nothing by itself.
 */
export interface GroupFilter<D extends Deployment> extends Filter<D, Selection<D>> {
  readonly drops?: Drops<D>;
}
