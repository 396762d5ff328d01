/**
 * A queue of timed events for simulations in virtual time (./closed-loop.ts): popped by time, then by kind (the
 * order of things that happen at the same instant), then in the order pushed. A binary heap.
 */

export interface VirtualEvent {
  at: number;
  kind: number;
  payload: unknown;
  order: number;
}

export class VirtualEvents {
  private readonly heap: VirtualEvent[] = [];
  private pushed = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, kind: number, payload: unknown): void {
    const h = this.heap;
    h.push({ at, kind, payload, order: this.pushed++ });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  pop(): VirtualEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
    return top;
  }
}

function before(a: VirtualEvent, b: VirtualEvent): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.kind !== b.kind) return a.kind < b.kind;
  return a.order < b.order;
}
