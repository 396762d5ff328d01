/**
 * Level 2's enforcement for one model group: the bounded router queue (./router-queue.ts), its deadlines and
 * its drain. A request that found every engine busy is offered here:
 *
 *   max(F_c · W, not_before − now) > last_call − now,
 *   and below overload the joint margin too (./wait-estimate.ts)  → router_deadline, at once, not after waiting
 *       where F_c · W   = the wait the class-c request is judged by (./wait-estimate.ts: the queue ahead of it
 *                         at the drain rate and from the ages of the attempts in flight, calibrated by
 *                         measured waits, and taken ρ_c times over while its class and above overload the group)
 *             last_call = deadline − (m(P) + z · s)     (deadline = arrival + TTFT budget)
 *   no room (for its class)    → displace a queued request of a less important class, else (a tenant under its
 *                                share) one of the tenant furthest over its own, else router_queue_full (a class
 *                                fills its priority fraction of max_queue(_tokens); checked after the deadline)
 *       The time to first token is the wait in the queue plus the engine's TTFT after dispatch. The engine's
 *       part is owed from the budget before the queue gets any: m(P) is the engine's expected TTFT for this
 *       request's prompt length P and s the spread around it (src/engine-admission/ttft-fit.ts), not the
 *       spread of all prompts' TTFTs, which with mixed lengths alone can exceed a budget. not_before is when
 *       the class's time-bound blocks end on the engine that frees first (a penalty, the SLO breaker's
 *       window), when every engine has one: no departure can come before it. z = wait_margin_sd (default
 *       2.33: one-sided 99%) on the engine's part and on the queue's own wait, so a request is rarely admitted
 *       only to expire in the queue (a refusal that costs the client its whole budget), and what leaves the
 *       queue still has the engine's part of its budget.
 *   else                       → queued, with a timer that drops it as `expired` at its last call
 *
 * `drain()` runs on capacity events (an attempt's first token or end, a penalty or breaker window running
 * out), never on a poll: it takes the head and asks the host to route it on fresh state (late binding); the
 * first head that still finds no engine goes back and ends the drain. Re-entrant calls fold into the drain
 * in progress. One that leaves has its place ended as dispatched before the host hands it down, so whatever
 * ends the request on the way finds no place left to withdraw. The room ends every place (./queue-place.ts).
 */
import type { Priority, PriorityFractions } from '../../admission/priority.ts';
import type { Clock } from '../../util/clock.ts';
import { type Ref, view } from '../../util/ref.ts';
import type { QueueTenant } from './fair-flows.ts';
import { type PlaceEnd, type PlaceKeeper, type PlaceOwner, QueuePlace } from './queue-place.ts';
import { type QueueBounds, RouterQueue } from './router-queue.ts';
import type { Timers } from './timers.ts';
import type { WaitCalibration } from './wait-calibration.ts';
import { WaitEstimate, type WaitEstimateOptions } from './wait-estimate.ts';

export type QueueRefusal = 'router_queue_full' | 'router_deadline';
export type DropReason = 'expired' | 'displaced';

/** `G`: where the host routes a request that leaves (its routing answer), handed back to it by `handDown`. */
export interface WaitingRoomHost<T, G> {
  /** Routes the head on fresh state: where it goes, or undefined while every engine is still busy (it stays). */
  routeHead(item: T): G | undefined;
  /** `item` left the queue for `to`, its place ended as dispatched: hand it down. */
  handDown(item: T, to: G): void;
  /** `item` left the queue unserved (expired or displaced): answer it. */
  dropped(item: T, why: DropReason, place: QueuePlace<T>): void;
  /** A place ended, however (metrics); called inside the room's operations, so it must not throw. */
  left(place: QueuePlace<T>, how: PlaceEnd): void;
}

/** The thresholds, read through a reference at every offer, so a run-time change applies to the next one. */
export interface WaitingRoomSettings {
  readonly bounds: QueueBounds;
  /** Share of the bounds each class may fill ([1, 1, 1]: all of them). */
  readonly fractions: PriorityFractions;
  /** Standard deviations of margin on the wait estimate (0: the mean). */
  readonly marginSd: number;
}

export interface WaitingRoomOptions<T, G> extends WaitEstimateOptions {
  settings: Ref<WaitingRoomSettings>;
  clock: Clock;
  timers: Timers;
  /** Who routes what leaves the queue; set later with `attach` when it is built after the room. */
  host?: WaitingRoomHost<T, G>;
}

function detached(): never {
  throw new Error('waiting room has no host');
}

const DETACHED: WaitingRoomHost<unknown, unknown> = {
  routeHead: detached,
  handDown: detached,
  dropped: detached,
  left: detached,
};

function onExpiry(e: QueuePlace<unknown>): void {
  e.timer = undefined;
  e.owner.end(e, 'expired');
}

function boundsOf(s: WaitingRoomSettings): QueueBounds {
  return s.bounds;
}

function onWake(room: WaitingRoom<unknown, unknown>): void {
  room.wakeTimer = undefined;
  room.wakeAt = Infinity;
  room.drain();
}

export class WaitingRoom<T, G = unknown> implements PlaceOwner<T> {
  readonly queue: RouterQueue<T>;
  /** The wait a new request is judged by (./wait-estimate.ts). */
  readonly estimate: WaitEstimate<T>;
  /** Leaves by reason, for metrics and the accounting checks. */
  dispatched = 0;
  expired = 0;
  displaced = 0;
  withdrawn = 0;
  wakeTimer: unknown;
  /** F_c · W of the last offer's deadline check; NaN when it refused before estimating the wait. */
  judgedWaitMs = NaN;
  wakeAt = Infinity;
  private readonly settings: Ref<WaitingRoomSettings>;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private host: WaitingRoomHost<T, G>;
  /** A drain on a later tick is pending (drainSoon). */
  private drainPending = false;
  private readonly deferredDrain: () => void;
  /** A drain is dispatching from the head: the route gate then lets the queue's own requests through. */
  draining = false;
  private again = false;

  constructor(o: WaitingRoomOptions<T, G>) {
    this.settings = o.settings;
    this.queue = new RouterQueue<T>(view(o.settings, boundsOf));
    this.estimate = new WaitEstimate(this.queue, o);
    this.clock = o.clock;
    this.timers = o.timers;
    this.host = o.host ?? (DETACHED as WaitingRoomHost<T, G>);
    // One closure per room, not per event.
    this.deferredDrain = () => {
      this.drainPending = false;
      this.drain();
    };
  }

  attach(host: WaitingRoomHost<T, G>): void {
    this.host = host;
  }

  get fractions(): PriorityFractions {
    return this.settings.current.fractions;
  }

  /** Standard deviations of margin on the wait estimate. */
  get marginSd(): number {
    return this.settings.current.marginSd;
  }

  get size(): number {
    return this.queue.size;
  }

  /** F_c per class: how far actual waits exceed the model's (./wait-calibration.ts). */
  get calibration(): WaitCalibration {
    return this.estimate.calibration;
  }

  /** A class-`p` request went to an engine or the queue. */
  arrived(p: Priority, now?: number): void {
    this.estimate.arrived(p, now);
  }

  /** A class-`p` request reached the router, whatever becomes of it. */
  offered(p: Priority, now?: number): void {
    this.estimate.offered(p, now);
  }

  /** The drain rate left to class `p` after the classes above it (per ms; NaN while unknown). */
  rateFor(p: Priority, now = this.clock()): number {
    return this.estimate.rateFor(p, now);
  }

  factor(p: Priority, now: number): number {
    return this.estimate.factor(p, now);
  }

  /** The wait a new class-`p` request is judged by, F_c · W, in ms (NaN while nothing is known). */
  estimatedWaitMs(p: Priority): number {
    const now = this.clock();
    return this.estimate.factor(p, now) * this.estimate.waitMs(p, this.marginSd, now);
  }

  /**
   * Queues `item` unless it cannot make its deadline. `serviceMs` / `serviceSdMs`: the engine's expected TTFT
   * after dispatch and its spread (0 when unknown). `notBefore`: clock ms before which no engine takes its class
   * (0: any capacity event). `keeper`: the holder's field for the place, set here, cleared when it ends.
   * `tenant`: whose flow it joins (./fair-flows.ts); `underShare`: the class's overload is not its own.
   */
  offer(
    item: T,
    priority: Priority,
    deadline: number,
    tokens: number,
    serviceMs = 0,
    serviceSdMs = 0,
    notBefore = 0,
    keeper?: PlaceKeeper<T>,
    tenant?: QueueTenant,
    underShare = false,
  ): QueuePlace<T> | QueueRefusal {
    const now = this.clock();
    const z = this.marginSd;
    const lastCall = deadline - now - (serviceMs + z * serviceSdMs);
    this.judgedWaitMs = NaN;
    if (lastCall <= 0 || notBefore - now > lastCall) return 'router_deadline';
    const slack = deadline - now - serviceMs;
    const fits = this.estimate.fits(priority, z, now, lastCall, slack, serviceSdMs, tenant, underShare);
    this.judgedWaitMs = this.estimate.judgedMs;
    if (!fits) return 'router_deadline';
    const q = this.queue;
    const f = this.fractions[priority];
    while (!q.fits(tokens, f)) {
      const victim = q.victim(priority) ?? q.displaceFor(priority, tenant, f);
      if (victim === undefined) return 'router_queue_full';
      this.end(victim, 'displaced');
    }
    const e = new QueuePlace(this, keeper, item, priority, deadline, tokens, now, q.nextSeq(), tenant);
    e.predictedMs = this.estimate.judgedWaitZMs;
    e.timer = this.timers.set(onExpiry, lastCall, e as QueuePlace<unknown>);
    q.push(e);
    if (keeper !== undefined) keeper.place = e;
    return e;
  }

  /** PlaceOwner: ends `e` once (out of the queue, its timer and its holder's field), counted, and calibrated. */
  end(e: QueuePlace<T>, how: PlaceEnd): void {
    if (e.ended !== undefined) return;
    e.ended = how;
    this.queue.remove(e);
    if (e.timer !== undefined) this.timers.clear(e.timer);
    e.timer = undefined;
    const k = e.keeper;
    if (k !== undefined && k.place === e) k.place = undefined;
    this[how]++;
    if (how === 'dispatched') this.queue.served(e);
    if (how === 'dispatched' || how === 'expired') {
      const now = this.clock();
      this.calibration.record(e.priority, now - e.enqueuedAt, e.predictedMs, now);
    }
    this.host.left(e, how);
    if (how === 'expired' || how === 'displaced') this.host.dropped(e.item, how, e);
  }

  /** A capacity event inside another request's callback (a chunk, an attempt's end, a report): drain on a microtask. */
  drainSoon(): void {
    if (this.drainPending || this.queue.size === 0) return;
    this.drainPending = true;
    queueMicrotask(this.deferredDrain);
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
          // Out of the queue while it is routed, so its own tokens do not count against it.
          this.queue.remove(e);
          const to = this.host.routeHead(e.item);
          if (e.ended !== undefined) continue; // routing ended the request, and its place with it
          if (to === undefined) {
            this.queue.push(e); // same deadline and seq: back in its place
            break;
          }
          this.end(e, 'dispatched');
          this.host.handDown(e.item, to);
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
    this.wakeTimer = this.timers.set(onWake, Math.max(0, at - this.clock()), this as WaitingRoom<unknown, unknown>);
  }

  /** Empties the queue (shutdown), every place withdrawn; returns what was queued, in leaving order. */
  clear(): T[] {
    const out: T[] = [];
    for (let e = this.queue.peek(); e !== undefined; e = this.queue.peek()) {
      this.end(e, 'withdrawn');
      out.push(e.item);
    }
    if (this.wakeTimer !== undefined) this.timers.clear(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
    return out;
  }
}
