/**
 * A growable ring buffer: O(1) push/pop at both ends. The waiting queue needs pushFront (a preempted request
 * goes back to the head, as in vLLM) and can hold thousands of requests, where Array#shift is O(n).
 */
export class Deque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(capacity = 64) {
    this.buf = new Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  at(i: number): T | undefined {
    return i < 0 || i >= this.count ? undefined : this.buf[(this.head + i) % this.buf.length];
  }

  push(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) % this.buf.length] = item;
    this.count++;
  }

  pushFront(item: T): void {
    if (this.count === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.count--;
    return item;
  }

  /** Keeps the items for which `keep` is true, in order. O(n). */
  retain(keep: (item: T) => boolean): void {
    const items: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const it = this.buf[(this.head + i) % this.buf.length] as T;
      if (keep(it)) items.push(it);
    }
    this.buf = new Array(Math.max(64, items.length * 2));
    for (let i = 0; i < items.length; i++) this.buf[i] = items[i];
    this.head = 0;
    this.count = items.length;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.buf.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}
