/**
 * A request's place in the router queue, as a permit its holder does not end (util/permit.ts, Withdrawable).
 * The waiting room (./waiting-room.ts) decides when it ends and how, and ends it once:
 *
 *   dispatched   it left for an engine (or was answered on its way out)     success
 *   expired      its last call passed in the queue                          dropped
 *   displaced    a more important request took its room                     dropped
 *   withdrawn    its holder gave it up (client gone, request ended, shutdown) failure
 *
 * The room puts the place in its holder's field (`PlaceKeeper.place`) when it queues it and clears that field
 * as it ends it, so once ended no reference is left to end it again; the holder's one move, `withdraw`, goes
 * through the same end.
 */
import type { Priority } from '../../admission/priority.ts';
import type { Withdrawable } from '../../util/permit.ts';
import type { Flow, QueueTenant } from './fair-flows.ts';

export type PlaceEnd = 'dispatched' | 'expired' | 'displaced' | 'withdrawn';

/** Where a holder keeps its place while queued. */
export interface PlaceKeeper<T> {
  place: QueuePlace<T> | undefined;
}

/** The side that ends places: the waiting room. */
export interface PlaceOwner<T> {
  end(place: QueuePlace<T>, how: PlaceEnd): void;
}

export class QueuePlace<T> implements Withdrawable {
  readonly item: T;
  readonly priority: Priority;
  readonly deadline: number;
  readonly tokens: number;
  readonly enqueuedAt: number;
  readonly seq: number;
  /** The room that ends it (its expiry timer's target too). */
  readonly owner: PlaceOwner<T>;
  readonly keeper: PlaceKeeper<T> | undefined;
  /** Who it queues for (./fair-flows.ts); undefined: the queue's one flow for requests without a tenant. */
  readonly tenant: QueueTenant | undefined;
  /** Its tenant's flow, from its first push on (kept after it leaves: its flow is charged when it is served). */
  flow: Flow<QueuePlace<T>> | undefined = undefined;
  /** The waiting room's predicted wait at the offer, ms (NaN while no drain rate was known): its calibration. */
  predictedMs = NaN;
  /** Position in its class heap; -1 once out of the queue (ended, or in the drain's hands). */
  index = -1;
  /** The waiting room's expiry timer. */
  timer: unknown = undefined;
  /** How it ended; undefined while it holds. */
  ended: PlaceEnd | undefined = undefined;

  constructor(
    owner: PlaceOwner<T>,
    keeper: PlaceKeeper<T> | undefined,
    item: T,
    priority: Priority,
    deadline: number,
    tokens: number,
    enqueuedAt: number,
    seq: number,
    tenant?: QueueTenant,
  ) {
    this.owner = owner;
    this.keeper = keeper;
    this.item = item;
    this.priority = priority;
    this.deadline = deadline;
    this.tokens = tokens;
    this.enqueuedAt = enqueuedAt;
    this.seq = seq;
    this.tenant = tenant;
  }

  /** The holder gives its place up. */
  withdraw(): asserts this is never {
    this.owner.end(this, 'withdrawn');
  }
}
