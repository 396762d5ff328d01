/**
 * Fair order within one class of the router queue: start-time fair queueing (SFQ, Goyal, Vin and Cheng 1996)
 * over the tenants' flows. Each tenant queues in a flow of its own, a heap by deadline then arrival; across
 * flows, with V the class's virtual time and F_f what flow f has been served up to:
 *
 *   a flow that becomes backlogged   S_f = max(V, F_f)
 *   the next to leave                the head of the backlogged flow with the least S_f
 *   when it leaves, at cost c        V = S_f,  F_f = S_f + c / w_f,  S_f = F_f
 *     c = its estimated prompt tokens (at least 1), w_f = its tenant's weight
 *
 * While two flows stay backlogged, the prompt tokens they send differ from their weights' shares by at most
 * one request's cost over its weight; a flow that idles does not save credit (S_f restarts at V). With a single
 * flow the order is its heap's: deadline, then arrival, as without tenants.
 *
 * Where a new entry of tenant t would leave (the queue's wait estimate): behind its own flow, and behind the
 * entries of each other flow u whose start tags come before its own, S_new = S_t + tokens_t / w_t (F_t's
 * restart if t is idle), u's being S_u + j · (tokens_u / n_u) / w_u for its j-th:
 *
 *   ahead_t = n_t + Σ_u clamp(⌈(S_new − S_u) · w_u · n_u / tokens_u⌉, 0, n_u)                O(flows)
 */

/** What a flow orders (a queue place, ./queue-place.ts). */
export interface FlowEntry {
  readonly deadline: number;
  readonly seq: number;
  readonly tokens: number;
  /** Position in its flow's heap; -1 once out of it. */
  index: number;
}

/**
 * Who queues: a tenant, or everyone as one. `flows` is the queue's per-class state, opaque to the holder, kept
 * on it so a queued request finds its flow without a lookup; it lives as long as the holder.
 */
export interface QueueTenant {
  readonly weight: number;
  readonly flows: unknown[];
}

function before(a: FlowEntry, b: FlowEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/** One tenant's entries of one class: a binary min-heap by (deadline, seq); each place knows its index. */
export class Flow<E extends FlowEntry> {
  readonly heap: E[] = [];
  readonly tenant: QueueTenant;
  /** Virtual start of its head (S_f) while backlogged. */
  start = 0;
  /** Virtual time it has been served up to (F_f). */
  finish = 0;
  tokens = 0;
  /** Position in its class's backlogged list; -1 while empty. */
  slot = -1;

  constructor(tenant: QueueTenant) {
    this.tenant = tenant;
  }

  push(e: E): void {
    const h = this.heap;
    e.index = h.length;
    h.push(e);
    this.up(e.index);
    this.tokens += e.tokens;
  }

  remove(e: E): void {
    const h = this.heap;
    const i = e.index;
    const last = h.pop()!;
    if (last !== e) {
      h[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    e.index = -1;
    this.tokens = h.length === 0 ? 0 : this.tokens - e.tokens;
  }

  private up(i: number): void {
    const h = this.heap;
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

  private down(i: number): void {
    const h = this.heap;
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

/** One class's flows: the backlogged ones and the class's virtual time. */
export class ClassFlows<E extends FlowEntry> {
  readonly backlogged: Flow<E>[] = [];
  /** V: the start tag of the last entry served. */
  virtualTime = 0;
  size = 0;
  private readonly cls: number;

  constructor(cls: number) {
    this.cls = cls;
  }

  /** `tenant`'s flow of this class, made on first use. */
  flowOf(tenant: QueueTenant): Flow<E> {
    const f = tenant.flows[this.cls] as Flow<E> | undefined;
    if (f !== undefined) return f;
    const made = new Flow<E>(tenant);
    tenant.flows[this.cls] = made;
    return made;
  }

  push(e: E, f: Flow<E>): void {
    if (f.slot < 0) {
      f.start = this.virtualTime > f.finish ? this.virtualTime : f.finish;
      f.slot = this.backlogged.length;
      this.backlogged.push(f);
    }
    f.push(e);
    this.size++;
  }

  remove(e: E, f: Flow<E>): void {
    f.remove(e);
    this.size--;
    if (f.heap.length > 0) return;
    const b = this.backlogged;
    const last = b.pop()!;
    if (last !== f) {
      b[f.slot] = last;
      last.slot = f.slot;
    }
    f.slot = -1;
  }

  /** The next to leave: the head of the flow with the least start tag (ties: the earliest deadline). */
  head(): E | undefined {
    const b = this.backlogged;
    if (b.length === 1) return b[0].heap[0];
    let best: Flow<E> | undefined;
    for (const f of b) {
      if (best === undefined || f.start < best.start || (f.start === best.start && before(f.heap[0], best.heap[0])))
        best = f;
    }
    return best?.heap[0];
  }

  /** `e` left for an engine: its flow is charged its cost, and the class's virtual time moves to its start. */
  served(e: E, f: Flow<E>): void {
    this.virtualTime = f.start;
    f.finish = f.start + Math.max(1, e.tokens) / f.tenant.weight;
    if (f.slot >= 0) f.start = f.finish;
  }

  /** Entries that would leave before a new one of `tenant` (module comment). */
  ahead(tenant: QueueTenant): number {
    const own = tenant.flows[this.cls] as Flow<E> | undefined;
    if (this.backlogged.length === 1 && own?.slot === 0) return this.size;
    let n = 0;
    let startNew: number;
    if (own !== undefined && own.slot >= 0) {
      n = own.heap.length;
      startNew = own.start + own.tokens / tenant.weight;
    } else {
      startNew = Math.max(this.virtualTime, own?.finish ?? 0);
    }
    for (const f of this.backlogged) {
      if (f === own) continue;
      const count = f.heap.length;
      const perEntry = Math.max(1, f.tokens / count) / f.tenant.weight;
      const served = Math.ceil((startNew - f.start) / perEntry);
      n += served <= 0 ? 0 : served < count ? served : count;
    }
    return n;
  }

  /**
   * A queued entry to give its room to a new one of `tenant` when the class is at `bound` entries: a leaf of
   * the flow furthest over its weighted share of `bound`, provided `tenant` is under its own share; else none.
   */
  displaceFor(tenant: QueueTenant, bound: number): E | undefined {
    const own = tenant.flows[this.cls] as Flow<E> | undefined;
    const ownActive = own !== undefined && own.slot >= 0;
    let weights = ownActive ? 0 : tenant.weight;
    for (const f of this.backlogged) weights += f.tenant.weight;
    const ownCount = ownActive ? own.heap.length : 0;
    if ((ownCount + 1) * weights > bound * tenant.weight) return undefined;
    let worst: Flow<E> | undefined;
    for (const f of this.backlogged) {
      if (f === own || f.heap.length * weights <= bound * f.tenant.weight) continue;
      if (worst === undefined || f.heap.length * worst.tenant.weight > worst.heap.length * f.tenant.weight) worst = f;
    }
    return worst?.heap[worst.heap.length - 1];
  }
}
