/**
 * The router queue's order and bounds: requests that found every engine busy wait here, ordered by priority
 * class, then by deadline (earliest first), then by arrival. One binary min-heap per class keyed by
 * (deadline, seq); each place (./queue-place.ts) knows its heap index, so one that is withdrawn leaves in O(log n).
 *
 *   head      = the top of the highest non-empty class                        O(classes)
 *   ahead(c)  = Σ sizes of classes ≥ c in importance (an O(1) upper bound on the position of a new entry)
 *   victim(c) = a leaf of the least important non-empty class below c: one of its latest deadlines, removed
 *               in O(1) when a more important request finds the queue full
 *
 * Bounds: `maxRequests` entries and `maxTokens` prompt tokens, of which a class gets its priority fraction
 * (src/admission/priority.ts). The structure is pure; ./waiting-room.ts owns timers and decisions.
 */
import { PRIORITY_COUNT, type Priority } from '../../admission/priority.ts';
import type { Ref } from '../../util/ref.ts';
import type { QueuePlace } from './queue-place.ts';

export interface QueueBounds {
  readonly maxRequests: number;
  readonly maxTokens: number;
}

function before(a: QueuePlace<unknown>, b: QueuePlace<unknown>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

export class RouterQueue<T> {
  private readonly boundsRef: Ref<QueueBounds>;
  size = 0;
  tokens = 0;
  /** Prompt tokens queued per class. */
  readonly tokensOf = [0, 0, 0];
  private readonly heaps: QueuePlace<T>[][] = [];
  private seq = 0;

  constructor(bounds: Ref<QueueBounds>) {
    this.boundsRef = bounds;
    for (let i = 0; i < PRIORITY_COUNT; i++) this.heaps.push([]);
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
    return this.heaps[p].length;
  }

  /** Entries that would leave before a new one of class `p`, at most. */
  ahead(p: Priority): number {
    let n = 0;
    for (let i = 0; i <= p; i++) n += this.heaps[i].length;
    return n;
  }

  /** Prompt tokens of the entries that would leave before a new one of class `p`. */
  tokensAhead(p: Priority): number {
    let n = 0;
    for (let i = 0; i <= p; i++) n += this.tokensOf[i];
    return n;
  }

  /** The first entry of class `p` (its earliest deadline), if any. */
  headOf(p: Priority): QueuePlace<T> | undefined {
    return this.heaps[p][0];
  }

  push(e: QueuePlace<T>): void {
    const h = this.heaps[e.priority];
    e.index = h.length;
    h.push(e);
    this.up(h, e.index);
    this.size++;
    this.tokens += e.tokens;
    this.tokensOf[e.priority] += e.tokens;
  }

  peek(): QueuePlace<T> | undefined {
    for (let i = 0; i < PRIORITY_COUNT; i++) if (this.heaps[i].length > 0) return this.heaps[i][0];
    return undefined;
  }

  shift(): QueuePlace<T> | undefined {
    const e = this.peek();
    if (e !== undefined) this.remove(e);
    return e;
  }

  /** Removes `e` wherever it is; false when it was not queued. */
  remove(e: QueuePlace<T>): boolean {
    const i = e.index;
    if (i < 0) return false;
    const h = this.heaps[e.priority];
    const last = h.pop()!;
    if (last !== e) {
      h[i] = last;
      last.index = i;
      this.down(h, i);
      this.up(h, last.index);
    }
    e.index = -1;
    this.size--;
    this.tokens -= e.tokens;
    this.tokensOf[e.priority] -= e.tokens;
    if (h.length === 0) this.tokensOf[e.priority] = 0;
    if (this.size === 0) this.tokens = 0;
    return true;
  }

  /** An entry of the least important class strictly below `p`, to make room for a class-`p` request. */
  victim(p: Priority): QueuePlace<T> | undefined {
    for (let i = PRIORITY_COUNT - 1; i > p; i--) {
      const h = this.heaps[i];
      if (h.length > 0) return h[h.length - 1];
    }
    return undefined;
  }

  /** Every entry, for shutdown and status events; allocates. */
  entries(): QueuePlace<T>[] {
    return this.heaps.flat();
  }

  private up(h: QueuePlace<T>[], i: number): void {
    const e = h[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent])) break;
      h[i] = h[parent];
      h[i].index = i;
      i = parent;
    }
    h[i] = e;
    e.index = i;
  }

  private down(h: QueuePlace<T>[], i: number): void {
    const n = h.length;
    const e = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1], h[c])) c++;
      if (!before(h[c], e)) break;
      h[i] = h[c];
      h[i].index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}
