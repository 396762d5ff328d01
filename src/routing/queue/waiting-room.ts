/**
 * Level 2's enforcement for one model group: the bounded router queue (./router-queue.ts), its deadlines and
 * its drain. A request that found every engine busy is offered here:
 *
 *   max(F_c · W, not_before − now) > last_call − now   → router_deadline, at once, not after waiting for it
 *       where W         = (k + z · √k) / μ_c                      the model's wait
 *             k = ahead(c) + 1,   μ_c = μ − Σ_{c' above c} λ_c'
 *             F_c       = the 0.995-quantile of waited / W of the class's recent leaves (./wait-calibration.ts),
 *                         relaxed toward 1 while none leaves, and ≥ waited / W of each class's first queued
 *             last_call = deadline − (m(P) + z · s)     (deadline = arrival + TTFT budget)
 *   no room (for its class)    → displace a queued request of a less important class, else router_queue_full
 *                                (a class may fill only its priority fraction of max_queue and max_queue_tokens;
 *                                checked after the deadline, so nothing is displaced for a request then refused)
 *       The time to first token is the wait in the queue plus the engine's TTFT after dispatch. The wait is k
 *       departures at the drain rate μ (./drain-rate.ts; ahead(c): ./router-queue.ts): k/μ on average, √k/μ
 *       more at one standard deviation if departures are Poisson. A class only gets what the classes above it
 *       leave: their arrivals λ (measured like μ, counted by `arrived`) jump ahead of it while it waits, so
 *       its rate is the residual μ_c; none left (μ_c ≤ 0) means it cannot be served in time. Departures are
 *       not Poisson on a real fleet (they come in waves, and a request queues inside the gap between two), so
 *       W is scaled by F_c, how far actual waits of the class lately exceeded it: measured, per class, on the
 *       fleet at hand, and ≈ 1 where the model holds. Every leave (dispatched or expired) feeds it back, so
 *       expiries stay near 1 − 0.995 of what is queued. The engine's part has the mean m and deviation s of
 *       its recent TTFTs, and is owed from the budget before the queue gets
 *       any. m(P) is the engine's expected TTFT for this request's prompt length P and s the spread around it
 *       (src/engine-admission/ttft-fit.ts), not the spread of all prompts' TTFTs, which with mixed lengths
 *       alone can exceed a budget. not_before is when the class's time-bound blocks end on the engine that
 *       frees first (a penalty, the SLO breaker's window), when every engine has one: no departure can come
 *       before it, whatever the rate says. z = wait_margin_sd (default 2.33: one-sided 99%) on the engine's
 *       part, and as the model's own margin on W, so a request is rarely admitted only to expire in the queue
 *       (a refusal that costs the client its whole budget), and what leaves the queue still has the engine's
 *       part of its budget.
 *   else                       → queued, with a timer that drops it as `expired` at its last call
 *
 * `drain()` runs on capacity events (an attempt's first token or end, a penalty or breaker window running
 * out), never on a poll: it takes the head and asks the host to route it on fresh state (late binding); the
 * first head that still finds no engine goes back and ends the drain. Re-entrant calls fold into the drain
 * in progress.
 */
import type { Priority, PriorityFractions } from '../../admission/priority.ts';
import type { Clock } from '../../util/clock.ts';
import { view, type Ref } from '../../util/ref.ts';
import type { DrainRate } from './drain-rate.ts';
import { QueueEntry, RouterQueue, type QueueBounds } from './router-queue.ts';
import type { Timers } from './timers.ts';
import { WaitCalibration } from './wait-calibration.ts';

export type QueueRefusal = 'router_queue_full' | 'router_deadline';
export type DropReason = 'expired' | 'displaced';

export interface WaitingRoomHost<T> {
  /** Route `item` now. True when it left the queue's hands (dispatched, or answered some other way). */
  tryDispatch(item: T): boolean;
  /** `item` left the queue unserved. */
  dropped(item: T, why: DropReason, entry: QueueEntry<T>): void;
}

/** The thresholds, read through a reference at every offer, so a run-time change applies to the next one. */
export interface WaitingRoomSettings {
  readonly bounds: QueueBounds;
  /** Share of the bounds each class may fill ([1, 1, 1]: all of them). */
  readonly fractions: PriorityFractions;
  /** Standard deviations of margin on the wait estimate (0: the mean). */
  readonly marginSd: number;
}

export interface WaitingRoomOptions<T> {
  settings: Ref<WaitingRoomSettings>;
  /** Arrival rate of each class (fed by `arrived`); without them every class sees the whole drain rate. */
  arrivalRates?: readonly DrainRate[];
  /** The wait's calibration (tests pass one with a low quantile to need few leaves); default ./wait-calibration.ts's. */
  calibration?: WaitCalibration;
  clock: Clock;
  timers: Timers;
  drainRate: DrainRate;
  /** Who routes what leaves the queue; set later with `attach` when it is built after the room. */
  host?: WaitingRoomHost<T>;
}

const DETACHED: WaitingRoomHost<unknown> = {
  tryDispatch() {
    throw new Error('waiting room has no host');
  },
  dropped() {
    throw new Error('waiting room has no host');
  },
};

function onExpiry(e: QueueEntry<unknown>): void {
  e.timer = undefined;
  (e.holder as WaitingRoom<unknown>).expire(e);
}

function boundsOf(s: WaitingRoomSettings): QueueBounds {
  return s.bounds;
}

function onWake(room: WaitingRoom<unknown>): void {
  room.wakeTimer = undefined;
  room.wakeAt = Infinity;
  room.drain();
}

export class WaitingRoom<T> {
  readonly queue: RouterQueue<T>;
  readonly drainRate: DrainRate;
  /** F_c per class: how far actual waits exceed the model's (./wait-calibration.ts). */
  readonly calibration: WaitCalibration;
  /** Leaves by reason, for metrics and the accounting checks. */
  dispatched = 0;
  expired = 0;
  displaced = 0;
  removed = 0;
  wakeTimer: unknown;
  wakeAt = Infinity;
  private readonly settings: Ref<WaitingRoomSettings>;
  private readonly arrivalRates: readonly DrainRate[] | undefined;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private host: WaitingRoomHost<T>;
  /** A drain on a later tick is pending (drainSoon). */
  private drainPending = false;
  private readonly deferredDrain: () => void;
  /** A drain is dispatching from the head: the route gate then lets the queue's own requests through. */
  draining = false;
  private again = false;

  constructor(o: WaitingRoomOptions<T>) {
    this.settings = o.settings;
    this.queue = new RouterQueue<T>(view(o.settings, boundsOf));
    this.drainRate = o.drainRate;
    this.arrivalRates = o.arrivalRates;
    this.calibration = o.calibration ?? new WaitCalibration();
    this.clock = o.clock;
    this.timers = o.timers;
    this.host = o.host ?? (DETACHED as WaitingRoomHost<T>);
    // One closure per room, not per event.
    this.deferredDrain = () => {
      this.drainPending = false;
      this.drain();
    };
  }

  attach(host: WaitingRoomHost<T>): void {
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

  /** A class-`p` request reached the router (queued or not): it takes capacity from the classes below. */
  arrived(p: Priority, now?: number): void {
    this.arrivalRates?.[p].record(1, now);
  }

  /** The drain rate left to class `p` after the classes above it (per ms; NaN while unknown). */
  rateFor(p: Priority, now = this.clock()): number {
    let mu = this.drainRate.perMs(now);
    const rates = this.arrivalRates;
    if (rates !== undefined) {
      for (let c = 0; c < p; c++) {
        const l = rates[c].perMs(now);
        if (l === l) mu -= l;
      }
    }
    return mu;
  }

  /** The wait a new class-`p` request is judged by, F_c · W, in ms (NaN while no drain rate is known). */
  estimatedWaitMs(p: Priority): number {
    const now = this.clock();
    return this.factor(p, now) * this.waitMs(p, this.marginSd, now);
  }

  /**
   * F_c (./wait-calibration.ts), and no less than what the first queued request of each class at or above
   * `p` has already waited over its prediction: a ratio not yet recorded, known to be at least that.
   */
  factor(p: Priority, now: number): number {
    let f = this.calibration.factor(p, now);
    for (let c = 0; c <= p; c++) {
      const h = this.queue.headOf(c as Priority);
      if (h !== undefined && h.predictedMs > 0) f = Math.max(f, (now - h.enqueuedAt) / h.predictedMs);
    }
    return f;
  }

  /**
   * Wait of a new class-`p` request with `z` standard deviations of margin: (k + z·√k) / μ_c. Infinity when
   * the classes above leave it no rate, NaN while no drain rate is known.
   */
  private waitMs(p: Priority, z: number, now: number): number {
    const mu = this.rateFor(p, now);
    if (mu <= 0) return Infinity;
    const k = this.queue.ahead(p) + 1;
    return (k + z * Math.sqrt(k)) / mu;
  }

  /**
   * Queues `item` unless it cannot make its deadline. `serviceMs` / `serviceSdMs`: the engine's expected TTFT
   * after dispatch for this prompt and the spread around it (0 when unknown). `notBefore`: clock ms before
   * which no engine will take its class (0 when one may at any capacity event).
   */
  offer(item: T, priority: Priority, deadline: number, tokens: number, serviceMs = 0, serviceSdMs = 0, notBefore = 0): QueueEntry<T> | QueueRefusal {
    const now = this.clock();
    const z = this.marginSd;
    const lastCall = deadline - now - (serviceMs + z * serviceSdMs);
    if (lastCall <= 0 || notBefore - now > lastCall) return 'router_deadline';
    const wait = this.waitMs(priority, z, now);
    if (this.factor(priority, now) * wait > lastCall) return 'router_deadline';
    const q = this.queue;
    const f = this.fractions[priority];
    while (!q.fits(tokens, f)) {
      const victim = q.victim(priority);
      if (victim === undefined) return 'router_queue_full';
      this.leave(victim);
      this.displaced++;
      this.host.dropped(victim.item, 'displaced', victim);
    }
    const e = new QueueEntry(item, priority, deadline, tokens, now, q.nextSeq());
    e.predictedMs = wait;
    e.holder = this;
    e.timer = this.timers.set(onExpiry, lastCall, e as QueueEntry<unknown>);
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
    const now = this.clock();
    this.calibration.record(e.priority, now - e.enqueuedAt, e.predictedMs, now);
    this.host.dropped(e.item, 'expired', e);
  }

  /**
   * A capacity event inside another request's callback (a chunk, an attempt's end, an engine report): the
   * drain runs once on a later tick (a microtask, after that callback returns), never inside it.
   */
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
          this.queue.remove(e);
          if (!this.host.tryDispatch(e.item)) {
            this.queue.push(e); // same deadline and seq: back in its place
            break;
          }
          this.clearTimer(e);
          this.dispatched++;
          const now = this.clock();
          this.calibration.record(e.priority, now - e.enqueuedAt, e.predictedMs, now);
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
