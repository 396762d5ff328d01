/**
 * gradient — Netflix concurrency-limits' GradientLimit (v1): the gradient between the no-load latency (the
 * smallest window average seen) and the current one, with room for a queue of √limit:
 *
 *   rtt_noload ← min(rtt_noload, rtt)            reset every probe_interval..2·probe_interval updates,
 *                                                 when the limit also restarts from max(min, queue_size)
 *   queue_size = max(4, √limit)                  (or a fixed queue_size)
 *   gradient   = max(0.5, min(1, tolerance · rtt_noload / rtt))
 *   dropped                               → new = limit / 2
 *   no latency in the window (non-streamed completions only, fed as blind samples): reached → limit · 2
 *   max_in_flight < ⌊limit⌋               → no change (app-limited: the limit was not reached)
 *   else                                  → new = limit · gradient + queue_size
 *   a decrease is smoothed:  new ← limit · (1 − smoothing) + new · smoothing;  an increase is not
 *   limit ← clamp(new, queue_size, max)
 *
 * The default here because an engine's TTFT without queueing is a floor worth learning, not an average: a
 * gateway that starts in the middle of an overload (a restart, a burst) measures its first averages under
 * load, and an average-based baseline (gradient2) then takes that overload for normal; the minimum does not.
 * Constants: the library's smoothing 0.2 and probe interval 1000 updates; tolerance 1 where the library
 * uses 2. An RPC server's own queue costs little, but an engine's queue sits behind Spillway's router queue,
 * which dispatches within a millisecond of a slot freeing up: a request waiting inside the engine gains
 * nothing and escapes the router's priorities and deadlines. It also makes the engine's TTFT spread wider,
 * and every deadline decision has to budget for that spread. On the overload fleet, tolerance 2 let the
 * limit settle ~20 % above the engines' 16 slots, and at 2× load with three classes `critical` was
 * admitted 55 % of the time. With tolerance 1 it was admitted 99.7 % (docs/BACKPRESSURE.md). Raise it for
 * engines whose step time grows a lot with batch size. One more departure: the library counts the limit as
 * used once in-flight + queue_size reaches it, so under a steady partial load the limit creeps to in-flight +
 * 4 with nothing tested. A burst then fills every engine to that untested limit at once (on the overload
 * fleet: 20 for 16 slots, engine TTFT 60 → 200 ms). Here a window counts only if it reached the limit.
 */
import type { Random } from '../../util/random.ts';
import type { ConcurrencyLimit, LimitParams, LimitSample } from './types.ts';

export class GradientLimit implements ConcurrencyLimit {
  readonly name = 'gradient';
  limit: number;
  rttNoLoad = Infinity;
  private resetIn: number;
  private readonly p: LimitParams;
  private readonly random: Random;
  private readonly tolerance: number;

  constructor(p: LimitParams, random: Random) {
    this.p = p;
    this.random = random;
    this.limit = p.initial;
    this.tolerance = p.tolerance ?? 1;
    this.resetIn = this.countdown();
  }

  update(s: LimitSample): void {
    const p = this.p;
    if (!(s.rtt > 0)) {
      // A window without a latency (non-streamed completions only): nothing says the upstream queues, so a
      // limit that was reached doubles, as TCP's slow start; only drops (a 503/429, a timeout) shrink it.
      if (s.dropped) this.limit = Math.max(p.min, this.limit / 2);
      else if (s.inFlight >= Math.floor(this.limit)) this.limit = Math.min(p.max, this.limit * 2);
      return;
    }
    const queue = p.queueSize === 'sqrt' ? Math.max(4, Math.sqrt(this.limit)) : p.queueSize;
    if (p.probeInterval > 0 && this.resetIn-- <= 0) {
      this.resetIn = this.countdown();
      this.limit = Math.max(p.min, queue);
      this.rttNoLoad = Infinity;
      return;
    }
    if (s.rtt < this.rttNoLoad) this.rttNoLoad = s.rtt;
    const gradient = Math.max(0.5, Math.min(1, (this.tolerance * this.rttNoLoad) / s.rtt));
    let next: number;
    if (s.dropped) next = this.limit / 2;
    else if (s.inFlight < Math.floor(this.limit)) return;
    else next = this.limit * gradient + queue;
    if (next < this.limit) next = Math.max(p.min, this.limit * (1 - p.smoothing) + next * p.smoothing);
    this.limit = Math.max(queue, Math.min(p.max, next));
  }

  private countdown(): number {
    const n = this.p.probeInterval;
    return n > 0 ? n + Math.floor(this.random() * n) : Infinity;
  }
}
