/**
 * Level 2's enforcement for one model group: the bounded router queue (./router-queue.ts), its deadlines and
 * its drain. A request that found every engine busy is offered here:
 *
 *   no room (for its class)    → displace a queued request of a less important class, else router_queue_full
 *                                (a class may fill only its priority fraction of max_queue and max_queue_tokens)
 *   est_wait > remaining       → router_deadline, at once, not after waiting for it
 *       where est_wait  = (k + z·√k) / drain_rate,  k = ahead(c) + 1
 *             (ahead(c): ./router-queue.ts; rate: ./drain-rate.ts). Departures at rate μ take k/μ on average
 *             and about √k/μ more at one standard deviation (Poisson); z (wait_margin_sd, default 2.33, one-
 *             sided 99%) keeps what is admitted to the queue from expiring in it, since a request that waits
 *             and then expires costs the client its whole budget for nothing.
 *             remaining = deadline − now − reserve       (deadline = arrival + TTFT budget; reserve = the
 *                                                         engines' recent TTFT, mean + z · sd, still to
 *                                                         come after the queue)
 *   else                       → queued, with a timer that drops it as `expired` once `remaining` is gone
 *
 * `drain()` runs on capacity events (an attempt's first token or end, an engine report, a penalty running
 * out), never on a poll: it takes the head and asks the host to route it on fresh state (late binding); the
 * first head that still finds no engine goes back and ends the drain. Re-entrant calls fold into the drain
 * in progress.
 */
import type { Priority, PriorityFractions } from '../../admission/priority.ts';
import type { Clock } from '../../util/clock.ts';
import type { DrainRate } from './drain-rate.ts';
import { QueueEntry, RouterQueue, type QueueBounds } from './router-queue.ts';
import type { Timers } from './timers.ts';

export type QueueRefusal = 'router_queue_full' | 'router_deadline';
export type DropReason = 'expired' | 'displaced';

export interface WaitingRoomHost<T> {
  /** Route `item` now. True when it left the queue's hands (dispatched, or answered some other way). */
  tryDispatch(item: T): boolean;
  /** `item` left the queue unserved. */
  dropped(item: T, why: DropReason, entry: QueueEntry<T>): void;
}

export interface WaitingRoomOptions<T> {
  bounds: QueueBounds;
  /** Share of the bounds each class may fill; default all of them. */
  fractions?: PriorityFractions;
  /** Standard deviations of margin on the wait estimate; default 0 (the mean). */
  marginSd?: number;
  clock: Clock;
  timers: Timers;
  drainRate: DrainRate;
  host: WaitingRoomHost<T>;
}

function onExpiry(e: QueueEntry<unknown>): void {
  e.timer = undefined;
  (e.holder as WaitingRoom<unknown>).expire(e);
}

function onWake(room: WaitingRoom<unknown>): void {
  room.wakeTimer = undefined;
  room.wakeAt = Infinity;
  room.drain();
}

export class WaitingRoom<T> {
  readonly queue: RouterQueue<T>;
  readonly drainRate: DrainRate;
  /** Leaves by reason, for metrics and the accounting checks. */
  dispatched = 0;
  expired = 0;
  displaced = 0;
  removed = 0;
  wakeTimer: unknown;
  wakeAt = Infinity;
  fractions: PriorityFractions;
  /** Standard deviations of margin on the wait estimate. */
  marginSd: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly host: WaitingRoomHost<T>;
  private draining = false;
  private again = false;

  constructor(o: WaitingRoomOptions<T>) {
    this.queue = new RouterQueue<T>(o.bounds);
    this.drainRate = o.drainRate;
    this.fractions = o.fractions ?? [1, 1, 1];
    this.marginSd = o.marginSd ?? 0;
    this.clock = o.clock;
    this.timers = o.timers;
    this.host = o.host;
  }

  get size(): number {
    return this.queue.size;
  }

  /** Estimated wait of a new class-`p` request, in ms (NaN while no drain rate is known). */
  estimatedWaitMs(p: Priority): number {
    const k = this.queue.ahead(p) + 1;
    return (k + this.marginSd * Math.sqrt(k)) / this.drainRate.perMs();
  }

  offer(item: T, priority: Priority, deadline: number, tokens: number, reserveMs = 0): QueueEntry<T> | QueueRefusal {
    const now = this.clock();
    const remaining = deadline - now - reserveMs;
    if (remaining <= 0) return 'router_deadline';
    const q = this.queue;
    const f = this.fractions[priority];
    while (!q.fits(tokens, f)) {
      const victim = q.victim(priority);
      if (victim === undefined) return 'router_queue_full';
      this.leave(victim);
      this.displaced++;
      this.host.dropped(victim.item, 'displaced', victim);
    }
    if (this.estimatedWaitMs(priority) > remaining) return 'router_deadline';
    const e = new QueueEntry(item, priority, deadline, tokens, now, q.nextSeq());
    e.holder = this;
    e.timer = this.timers.set(onExpiry, remaining, e as QueueEntry<unknown>);
    q.push(e);
    return e;
  }

  /** The client went away while queued. */
  remove(e: QueueEntry<T>): boolean {
    if (!this.leave(e)) return false;
    this.removed++;
    return true;
  }

  expire(e: QueueEntry<T>): void {
    if (!this.leave(e)) return;
    this.expired++;
    this.host.dropped(e.item, 'expired', e);
  }

  /** A capacity event: dispatch from the head while engines take it. */
  drain(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        for (let e = this.queue.peek(); e !== undefined; e = this.queue.peek()) {
          this.queue.remove(e);
          if (!this.host.tryDispatch(e.item)) {
            this.queue.push(e); // same deadline and seq: back in its place
            break;
          }
          this.clearTimer(e);
          this.dispatched++;
        }
      } while (this.again && this.queue.size > 0);
    } finally {
      this.draining = false;
    }
  }

  /** Drain again at `at` (clock ms): for blocks that end with time (a penalty, a probe), not with an event. */
  wakeAtTime(at: number): void {
    if (this.queue.size === 0 || at >= this.wakeAt) return;
    if (this.wakeTimer !== undefined) this.timers.clear(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = this.timers.set(onWake, Math.max(0, at - this.clock()), this as WaitingRoom<unknown>);
  }

  /** Empties the queue (shutdown); returns what was queued, in leaving order. */
  clear(): QueueEntry<T>[] {
    const out: QueueEntry<T>[] = [];
    for (let e = this.queue.peek(); e !== undefined; e = this.queue.peek()) {
      this.leave(e);
      out.push(e);
    }
    if (this.wakeTimer !== undefined) this.timers.clear(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
    return out;
  }

  private leave(e: QueueEntry<T>): boolean {
    if (!this.queue.remove(e)) return false;
    this.clearTimer(e);
    return true;
  }

  private clearTimer(e: QueueEntry<T>): void {
    if (e.timer !== undefined) this.timers.clear(e.timer);
    e.timer = undefined;
  }
}
