/**
 * The scheduler's waiting queue: preempted requests (already started) at its head, new ones in arrival order
 * after them. A request that leaves from inside the queue (aborted, timed out) stays in it as a dead entry, as
 * deleting from the middle of a deque costs O(n): dead entries are dropped when they reach the head, or all at
 * once when they outnumber the live ones.
 */
import { Deque } from './deque.ts';
import type { Sequence } from './sequence.ts';

/** Dead entries tolerated before a compaction is worth its O(n). */
const COMPACT_AFTER = 64;

export class WaitingQueue {
  /** Live requests waiting. */
  count = 0;
  private readonly queue = new Deque<Sequence>();
  private dead = 0;

  /** A new request, at the tail. */
  push(seq: Sequence): void {
    this.queue.push(seq);
    this.count++;
  }

  /** A preempted request, at the head: it resumes first. */
  pushFront(seq: Sequence): void {
    this.queue.pushFront(seq);
    this.count++;
  }

  /** The first live request (dead ones at the head are dropped on the way); undefined when none. */
  head(): Sequence | undefined {
    for (;;) {
      const seq = this.queue.peek();
      if (seq === undefined || seq.state === 'waiting') return seq;
      this.queue.shift();
      this.dead--;
    }
  }

  /** Takes the request head() returned off the queue: it runs now. */
  take(): void {
    this.queue.shift();
    this.count--;
  }

  /** A request left from inside the queue (its state is no longer 'waiting'): it stays as a dead entry. */
  left(): void {
    this.count--;
    this.dead++;
  }

  /** Arrival time of the first live waiting request (Infinity when none). */
  nextArrival(): number {
    for (let i = 0; i < this.queue.length; i++) {
      const seq = this.queue.at(i) as Sequence;
      if (seq.state === 'waiting') return seq.arrival;
    }
    return Infinity;
  }

  /**
   * Rejects the new requests that waited longer than `limitMs` by `now` and appends them to `out`. Preempted
   * requests are exempt, and new ones are in arrival order, so the scan stops at the first still within its time.
   */
  expire(now: number, limitMs: number, out: Sequence[]): void {
    for (let i = 0; i < this.queue.length; i++) {
      const seq = this.queue.at(i) as Sequence;
      if (seq.state !== 'waiting' || seq.firstScheduled >= 0) continue;
      if (now - seq.arrival <= limitMs) break;
      seq.state = 'rejected';
      this.left();
      out.push(seq);
    }
  }

  /** Drops the dead entries once they outnumber the live ones. */
  compact(): void {
    if (this.dead <= COMPACT_AFTER || this.dead <= this.count) return;
    this.queue.retain((s) => s.state === 'waiting');
    this.dead = 0;
  }
}
