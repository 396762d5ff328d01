/**
 * The router queue's order and bounds: requests that found every engine busy wait here, ordered by priority
 * class, then within a class fairly among tenants (./fair-flows.ts: start-time fair queueing over one flow per
 * tenant), then by deadline (earliest first), then by arrival. Each flow is a binary min-heap keyed by
 * (deadline, seq); each place (./queue-place.ts) knows its heap index, so one that is withdrawn leaves in
 * O(log n). Requests without a tenant share one flow, and so does everything when fairness is off: the order
 * is then class, deadline, arrival.
 *
 *   head           = the fair head of the highest non-empty class                O(classes + flows)
 *   ahead(c)       = Σ sizes of classes ≥ c in importance (an O(1) upper bound on the position of a new entry)
 *   aheadFor(c, t) = the classes above c, and what of c leaves before a new entry of tenant t
 *   victim(c)      = a leaf of the least important non-empty class below c: one of its latest deadlines, removed
 *                    in O(1) when a more important request finds the queue full
 *
 * Bounds: `maxRequests` entries and `maxTokens` prompt tokens, of which a class gets its priority fraction
 * (src/admission/priority.ts), and a tenant its weighted share of its class's when the class is full
 * (`displaceFor`). The structure is pure; ./waiting-room.ts owns timers and decisions.
 */
import { PRIORITY_COUNT, type Priority } from '../../admission/priority.ts';
import type { Ref } from '../../util/ref.ts';
import { ClassFlows, type QueueTenant } from './fair-flows.ts';
import type { QueuePlace } from './queue-place.ts';

export interface QueueBounds {
  readonly maxRequests: number;
  readonly maxTokens: number;
}

export class RouterQueue<T> {
  private readonly boundsRef: Ref<QueueBounds>;
  size = 0;
  tokens = 0;
  /** Prompt tokens queued per class. */
  readonly tokensOf = [0, 0, 0];
  private readonly classes: ClassFlows<QueuePlace<T>>[] = [];
  /** The flow of entries queued without a tenant. */
  private readonly everyone: QueueTenant = { weight: 1, flows: [] };
  private seq = 0;

  constructor(bounds: Ref<QueueBounds>) {
    this.boundsRef = bounds;
    for (let i = 0; i < PRIORITY_COUNT; i++) this.classes.push(new ClassFlows(i));
  }

  get bounds(): QueueBounds {
    return this.boundsRef.current;
  }

  nextSeq(): number {
    return this.seq++;
  }

  /** Whether one more entry of `tokens` fits both bounds, scaled by the entry's class `fraction`. */
  fits(tokens: number, fraction = 1): boolean {
    return (
      this.size < fraction * this.bounds.maxRequests &&
      (this.size === 0 || this.tokens + tokens <= fraction * this.bounds.maxTokens)
    );
  }

  countOf(p: Priority): number {
    return this.classes[p].size;
  }

  /** Entries that would leave before a new one of class `p`, at most. */
  ahead(p: Priority): number {
    let n = 0;
    for (let i = 0; i <= p; i++) n += this.classes[i].size;
    return n;
  }

  /** Entries that would leave before a new one of class `p` queued for `tenant` (./fair-flows.ts). */
  aheadFor(p: Priority, tenant: QueueTenant = this.everyone): number {
    let n = 0;
    for (let i = 0; i < p; i++) n += this.classes[i].size;
    return n + this.classes[p].ahead(tenant);
  }

  /** Prompt tokens of the entries that would leave before a new one of class `p`. */
  tokensAhead(p: Priority): number {
    let n = 0;
    for (let i = 0; i <= p; i++) n += this.tokensOf[i];
    return n;
  }

  /** The next of class `p` to leave, if any. */
  headOf(p: Priority): QueuePlace<T> | undefined {
    return this.classes[p].head();
  }

  push(e: QueuePlace<T>): void {
    const c = this.classes[e.priority];
    if (e.flow === undefined) e.flow = c.flowOf(e.tenant ?? this.everyone);
    c.push(e, e.flow);
    this.size++;
    this.tokens += e.tokens;
    this.tokensOf[e.priority] += e.tokens;
  }

  peek(): QueuePlace<T> | undefined {
    for (let i = 0; i < PRIORITY_COUNT; i++) if (this.classes[i].size > 0) return this.classes[i].head();
    return undefined;
  }

  shift(): QueuePlace<T> | undefined {
    const e = this.peek();
    if (e !== undefined) this.remove(e);
    return e;
  }

  /** Removes `e` wherever it is; false when it was not queued. */
  remove(e: QueuePlace<T>): boolean {
    if (e.index < 0) return false;
    const c = this.classes[e.priority];
    c.remove(e, e.flow!);
    this.size--;
    this.tokens -= e.tokens;
    this.tokensOf[e.priority] -= e.tokens;
    if (c.size === 0) this.tokensOf[e.priority] = 0;
    if (this.size === 0) this.tokens = 0;
    return true;
  }

  /** `e` left for an engine: its tenant's flow is charged for it (./fair-flows.ts). */
  served(e: QueuePlace<T>): void {
    if (e.flow !== undefined) this.classes[e.priority].served(e, e.flow);
  }

  /** An entry of the least important class strictly below `p`, to make room for a class-`p` request. */
  victim(p: Priority): QueuePlace<T> | undefined {
    for (let i = PRIORITY_COUNT - 1; i > p; i--) {
      const c = this.classes[i];
      if (c.size > 0) {
        const f = c.backlogged[c.backlogged.length - 1];
        return f.heap[f.heap.length - 1];
      }
    }
    return undefined;
  }

  /**
   * An entry of class `p` to make room for a new one of `tenant` under its weighted share of the class's
   * `fraction` of `maxRequests`, taken from the tenant furthest over its own (./fair-flows.ts).
   */
  displaceFor(p: Priority, tenant: QueueTenant | undefined, fraction: number): QueuePlace<T> | undefined {
    return this.classes[p].displaceFor(tenant ?? this.everyone, fraction * this.bounds.maxRequests);
  }

  /** Every entry, for shutdown and status events; allocates. */
  entries(): QueuePlace<T>[] {
    return this.classes.flatMap((c) => c.backlogged.flatMap((f) => f.heap));
  }
}
