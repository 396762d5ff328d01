/**
 * How long a new class-c request would wait in a model group's router queue (./waiting-room.ts decides on it):
 *
 *   W        = max( (k + z_r·√k) / μ_c ,  departures(k + ⌈λ_above · W_rate⌉) )      the model's wait
 *              z_r = 0 below overload when the ages' part is kept; else z (from ρ_c ≥ OVERLOAD_ONSET, or while
 *                    ρ_c is not yet known)
 *              k = ahead(c) + 1;  μ = the group's dispatch rate (./drain-rate.ts);  μ_c = μ − Σ_{c' above c} λ_c'
 *              (with tenants, ahead(c) counts what of class c leaves before the request: ./fair-flows.ts)
 *              from overload on (ρ_c ≥ OVERLOAD_ONSET), μ_c is its lower bound: Σ λ_c' counted over the drain
 *              window W_d (n arrivals) is uncertain by √n / W_d, and z of that comes off
 *   judged by F_c · W,  F_c = max( the 0.995-quantile of waited / W of the class's recent leaves
 *                                    (./wait-calibration.ts, relaxed toward 1 while none leaves),
 *                                  waited / W of the first queued of each class at or above c,
 *                                  min(ρ_c, OVERLOAD_FACTOR_MAX) once ρ_c ≥ OVERLOAD_ONSET )
 *              ρ_c = what class c and the classes above it offer the router, over μ, the smaller of the
 *                    drain window's and a window five times longer (a Poisson burst at capacity is not overload),
 *                    or the drain window's alone once its offers exceed its dispatches by more than STEP_SD
 *                    standard deviations of a Poisson count: a step up in load. The longer window lags a step
 *                    by seconds, and requests queued then expired (matrix, 1× then 3× on one gateway)
 *
 *   The waiting room's margins, z·s on this wait and z·s_e on the engine's part after it, add. Below overload
 *   that refuses work the fleet would serve, so a request they refuse is taken when one joint margin fits:
 *     F_c · W₀ + m + z · (j + (a − j) · c)  ≤  deadline − now,   c = clamp((ρ_c − 1.25) / 0.75, 0, 1)
 *       W₀ = the wait with no margin, s_q = F_c · (W − W₀) / z, j = √(s_q² + s_e²), a = s_q + s_e
 *   Below the onset the margin is the joint one, z·√(s_q² + s_e²): the two are independent, and a refusal
 *   costs goodput. From ρ_c = 2 it is the sum again: refusing at arrival costs nothing when others fill every
 *   departure, and a request queued then expired costs its client the whole budget. In between, the
 *   margin moves linearly from one to the other.
 * - The rate's part: the wait is k departures at rate μ, k/μ on average and √k/μ more at one standard
 *   deviation if departures are Poisson. A class only gets what the classes above leave: their arrivals λ
 *   (counted by `arrived`) jump ahead of it while it waits, so its rate is the residual μ_c; none left
 *   (μ_c ≤ 0) means it cannot be served in time (Infinity). Below overload it enters at its mean (z_r = 0)
 *   and the margin is the ages' part's: the rate knows nothing of the attempts in flight, and its Poisson margin
 *   was twice the measured spread where bursts queue at capacity. Logged on the matrix's fleet #4 at 1× (3
 *   KV-bound engines): in a Poisson burst of 7-9 queued, (k + z·√k)/μ said 1.8-2.1 s, the ages 0.9-1.0 s
 *   with their margin, and the requests queued then waited 0.25-0.8 s; the rate's margin refused 7 of 159
 *   (93-94 % admitted in every earlier run; 96 % after). From overload on both margins stay: there the queue
 *   must not take what then expires, and refusing costs no goodput.
 * - The ages' part (./departures.ts): departures are not Poisson on a real fleet. They come in waves, and a
 *   request queues exactly when no engine has room, right after a wave was dispatched; the attempts in
 *   flight then say when the next ones leave, where a rate averages over the waves. The classes above take
 *   the departures that come meanwhile, so they are added to k.
 * - The calibration scales what is left of the error, per class, by how far actual waits exceeded W lately.
 * - The overload floor: under overload (ρ_c ≥ 1.25, more of the class and above arrive than leave), a request
 *   refused at arrival costs no goodput, since the others fill every departure, while one queued and then
 *   expired costs its client the whole budget (and is a late refusal). So the queue takes only waits that
 *   fit ρ_c times over, up to 2×. Below overload it changes nothing, so a fleet at its capacity
 *   queues what it can serve; and a class offering little (critical, at a fraction of capacity) is judged by
 *   the model alone, however loaded the classes below it are. Measured on the fleet matrix at 3× capacity:
 *   the rate alone let 0.4-3.3 % of refusals be queue timeouts; see docs/BENCHMARKS.md for what this does.
 */
import type { Priority } from '../../admission/priority.ts';
import type { Departures } from './departures.ts';
import type { DrainRate } from './drain-rate.ts';
import type { QueueTenant } from './fair-flows.ts';
import type { RouterQueue } from './router-queue.ts';
import { WaitCalibration } from './wait-calibration.ts';

/** The most the overload ratio scales the predicted wait by. */
export const OVERLOAD_FACTOR_MAX = 2;
/**
 * The ρ_c from which the group counts as overloaded. A fleet offered its own capacity reads ρ_c of 1.05-1.15:
 * Poisson bursts, and the router's own refusals, which are offered but never dispatched (measured at 1× on the
 * matrix's KV-bound fleets). Below it the floor is off and the margin is the joint one.
 */
export const OVERLOAD_ONSET = 1.25;

/** Standard deviations of a Poisson count by which offers must exceed dispatches to count as a step up. */
const STEP_SD = 4;

export interface WaitEstimateOptions {
  drainRate: DrainRate;
  /** Per class, what reaches an engine or the queue (fed by `arrived`); without them every class sees all of μ. */
  arrivalRates?: readonly DrainRate[];
  /** Per class, everything offered, refused or not (fed by `offered`); without them no overload floor. */
  offeredRates?: readonly DrainRate[];
  /**
   * The same offered counts and the group's dispatches over a longer window; without them ρ_c is the drain
   * window's alone.
   */
  sustained?: { offered: readonly DrainRate[]; dispatched: DrainRate };
  /** The group's attempts in flight; without it the rate's part alone. */
  departures?: Departures;
  /** Default ./wait-calibration.ts's; tests pass one with a low quantile to need few leaves. */
  calibration?: WaitCalibration;
}

export class WaitEstimate<T> {
  readonly drainRate: DrainRate;
  /** The last `fits`: F_c · W, and W. */
  judgedMs = NaN;
  judgedWaitZMs = NaN;
  readonly calibration: WaitCalibration;
  private readonly arrivalRates: readonly DrainRate[] | undefined;
  private readonly offeredRates: readonly DrainRate[] | undefined;
  private readonly departures: Departures | undefined;
  private readonly sustained: { offered: readonly DrainRate[]; dispatched: DrainRate } | undefined;
  private readonly queue: RouterQueue<T>;

  constructor(queue: RouterQueue<T>, o: WaitEstimateOptions) {
    this.queue = queue;
    this.drainRate = o.drainRate;
    this.arrivalRates = o.arrivalRates;
    this.offeredRates = o.offeredRates;
    this.departures = o.departures;
    this.sustained = o.sustained;
    this.calibration = o.calibration ?? new WaitCalibration();
  }

  /** A class-`p` request went to an engine or the queue: it takes capacity from the classes below. */
  arrived(p: Priority, now?: number): void {
    this.arrivalRates?.[p].record(1, now);
  }

  /** A class-`p` request reached the router, whatever becomes of it. */
  offered(p: Priority, now?: number): void {
    this.offeredRates?.[p].record(1, now);
    this.sustained?.offered[p].record(1, now);
  }

  /** μ_c: the drain rate left to class `p` after the classes above it (per ms; NaN while unknown). */
  rateFor(p: Priority, now: number, z = 0): number {
    const above = this.above(this.arrivalRates, p, now);
    if (!(z > 0 && above > 0)) return this.drainRate.perMs(now) - above;
    // The classes above's rate is a count over the window: its lower bound, z·√n / W under it, is what is left.
    const w = this.drainRate.windowMs;
    return this.drainRate.perMs(now) - above - (z * Math.sqrt(above * w)) / w;
  }

  /** ρ_c: what class `p` and the classes above it offer, over the drain rate; NaN while unknown. */
  overload(p: Priority, now: number): number {
    if (this.offeredRates === undefined) return NaN;
    const short = this.above(this.offeredRates, (p + 1) as Priority, now) / this.drainRate.perMs(now);
    const s = this.sustained;
    if (s === undefined) return short;
    const long = this.above(s.offered, (p + 1) as Priority, now) / s.dispatched.perMs(now);
    if (!(long < short)) return short;
    return this.stepUp(this.offeredRates, p, now) ? short : long;
  }

  /**
   * Whether the short window's offers of class `p` and above exceed its dispatches by more than a Poisson
   * burst at capacity would (STEP_SD standard deviations): then the load stepped up, and the long window,
   * which lags a step by its width, is not waited for.
   */
  private stepUp(offered: readonly DrainRate[], p: Priority, now: number): boolean {
    let n = 0;
    for (let c = 0; c <= p; c++) n += offered[c].count(now);
    const d = this.drainRate.count(now);
    return n - d > STEP_SD * Math.sqrt(d);
  }

  /**
   * Whether a class-`p` request fits its deadline (./waiting-room.ts): F_c · W within `lastCallMs` (from now),
   * else, below overload, the joint margin (module comment) within `slackMs` = deadline − now − m, s_e being
   * `serviceSdMs`. Leaves F_c · W in `judgedMs` and W in `judgedWaitZMs`. `tenant`: whose flow the request would
   * join (what of its class leaves first); `underShare`: that tenant holds less than its fair share.
   */
  fits(
    p: Priority,
    z: number,
    now: number,
    lastCallMs: number,
    slackMs: number,
    serviceSdMs: number,
    tenant?: QueueTenant,
    underShare = false,
  ): boolean {
    const ahead = this.queue.aheadFor(p, tenant);
    const overload = this.overload(p, now);
    // A tenant under its fair share is not delayed by the others' overload (./fair-flows.ts): ρ ≤ 1 for it, and
    // the class's calibration, learned on the waits of tenants that others pass, is not its own.
    const rho = underShare && overload > 1 ? 1 : overload;
    // Below overload the rate's part is its mean, and the ages' part carries the margin (module comment).
    const rateAtItsMean = this.departures !== undefined && rho < OVERLOAD_ONSET && this.sustainedKnown(now);
    const wait = this.waitMs(p, z, now, ahead, rateAtItsMean ? 0 : z, rho >= OVERLOAD_ONSET ? z : 0);
    const f = underShare ? 1 : this.factorAt(p, now, rho);
    this.judgedWaitZMs = wait;
    this.judgedMs = f * wait;
    // Unknown (NaN) fits: nothing says it does not.
    return !(this.judgedMs > lastCallMs) || this.fitsJointly(p, z, now, rho, f, wait, slackMs, serviceSdMs, ahead);
  }

  private fitsJointly(
    p: Priority,
    z: number,
    now: number,
    rho: number,
    f: number,
    waitZ: number,
    slackMs: number,
    sdE: number,
    ahead: number,
  ): boolean {
    if (!(z > 0 && rho < OVERLOAD_FACTOR_MAX) || !this.sustainedKnown(now)) return false;
    const mean = this.waitMs(p, 0, now, ahead);
    const sdQ = (f * (waitZ - mean)) / z;
    const joint = Math.sqrt(sdQ * sdQ + sdE * sdE);
    const apart = sdQ + sdE;
    const cost = rho > OVERLOAD_ONSET ? (rho - OVERLOAD_ONSET) / (OVERLOAD_FACTOR_MAX - OVERLOAD_ONSET) : 0;
    return f * mean + z * (joint + (apart - joint) * cost) <= slackMs;
  }

  /**
   * Whether the long window has counted for half its width: at the start of a load, while engines fill, every
   * request dispatches and ρ_c reads ~1 whatever is offered, so the joint margin waits for a longer look.
   */
  private sustainedKnown(now: number): boolean {
    const d = this.sustained?.dispatched;
    return d === undefined || d.coveredMs(now) >= d.windowMs / 2;
  }

  /** F_c (module comment). */
  factor(p: Priority, now: number): number {
    return this.factorAt(p, now, this.overload(p, now));
  }

  /** F_c given ρ_c, which the deadline check reads once for both of its uses. */
  private factorAt(p: Priority, now: number, rho: number): number {
    let f = this.calibration.factor(p, now);
    for (let c = 0; c <= p; c++) {
      const h = this.queue.headOf(c as Priority);
      if (h !== undefined && h.predictedMs > 0) f = Math.max(f, (now - h.enqueuedAt) / h.predictedMs);
    }
    const over = rho >= OVERLOAD_ONSET ? Math.min(rho, OVERLOAD_FACTOR_MAX) : 1;
    return over > f ? over : f;
  }

  /**
   * W for a new class-`p` request with `z` standard deviations of margin on the ages' part and `zRate` on the
   * rate's (module comment), behind `ahead` queued entries (default: every one of its class and above; fewer when
   * tenants share the class fairly).
   */
  waitMs(p: Priority, z: number, now: number, ahead = this.queue.ahead(p), zRate = z, zAbove = 0): number {
    const mu = this.rateFor(p, now, zAbove);
    if (mu <= 0) return Infinity;
    const k = ahead + 1;
    const byRate = (k + zRate * Math.sqrt(k)) / mu;
    const d = this.departures;
    if (d === undefined) return byRate;
    const jump = this.above(this.arrivalRates, p, now) * (byRate === byRate ? byRate : d.waitMs(k, z, now));
    const byAges = d.waitMs(k + (jump > 0 ? Math.ceil(jump) : 0), z, now);
    return byAges >= byRate || byRate !== byRate ? byAges : byRate;
  }

  /** Σ over the classes above `p` of `rates` (per ms), the unknown ones as 0. */
  private above(rates: readonly DrainRate[] | undefined, p: Priority, now: number): number {
    let sum = 0;
    if (rates !== undefined) {
      for (let c = 0; c < p; c++) {
        const r = rates[c].perMs(now);
        if (r === r) sum += r;
      }
    }
    return sum;
  }
}
