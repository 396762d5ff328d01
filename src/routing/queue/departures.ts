/**
 * When the attempts in flight will have left: the router queue's wait read from the attempts' ages instead of
 * from a rate. Per model group, with F the distribution of recent attempt durations (dispatch to end,
 * completed attempts) and a_i the age of attempt i in flight:
 *
 *   P_i(t)  = (F(a_i + t) − F(a_i)) / (1 − F(a_i))     the chance that i ends within t, given it ran a_i
 *           = 1 − exp(−t / mean)                       if i is older than every duration lately seen
 *           = t' / (A + t'), t' = max(0, t − (A − a_i))   before MIN_DURATIONS completed (Lindy, below)
 *   N(t)    = Σ P_i(t)                                 expected departures within t
 *   wait(k) = the least t with N(t) ≥ needed(k, z) or N(t) − z·√Σ P_i(1 − P_i) ≥ k (the first for many
 *             attempts each unlikely to end soon, the second for few each likely to: no Poisson mean above
 *             n can be reached), for t ≤ CAP_TOPS · the longest duration lately seen
 *             (bisection); the cap when not even that reaches k; k beyond n (the attempts in flight) adds
 *             ⌈(k − n) / n⌉ rounds of the mean duration to the wait for n.
 *   needed(k, z) = the z-quantile of a Gamma(k): the Poisson mean that reaches k departures with that
 *             confidence (Wilson–Hilferty; 4.6 for k = 1 at z = 2.33, about k + z·√k for large k).
 *
 * Why (issue 11, late refusals): a rate μ says how many leave per second on average, but departures come in
 * waves. Requests dispatched together end together, and a request only queues when no engine has room, which
 * is right after a wave was dispatched: the attempts in flight are then young, and the next departures are
 * much further off than k / μ. Their ages say so at once. A simpler reading, "the k-th oldest attempt
 * reaching a duration quantile", was right in waves and wrong with widely varied durations: among many
 * attempts in flight the first to end is usually a short one, not the oldest, and a high quantile made the
 * first departure seconds late (critical requests refused that would have waited milliseconds), a median
 * made late ones early (queue timeouts). The expected count weighs every attempt by its own chance of
 * ending, so both cases come out of one formula. An attempt past every duration seen has no conditional
 * chance left in F; it is taken to leave at the rate of an average attempt. Counting departures as Poisson
 * errs toward waiting longer (independent attempts vary less); in a wave they are not independent, which the
 * waiting room's calibration of measured waits covers.
 * Before any duration is known (a fresh gateway hit by a burst), the drain rate counts the first wave's
 * dispatches and promised waits of ~100 ms that lasted 660 ms (matrix fleet #7). What is known then: nothing
 * has finished, so no attempt is shorter than the oldest one (age A) has run. Each attempt is taken to reach
 * A, then to end with Lindy's chance for something that has lasted A: t' / (A + t').
 *
 * Hand-written because it is the product: O(1) to add and end an attempt (a ring of dispatch times in
 * dispatch order, ended ones marked and skipped); a read is O(n · BISECTION_STEPS) without allocation, and
 * only requests that find every engine busy read.
 */
import { RatioQuantile } from '../../util/ratio-quantile.ts';

/** Attempt durations remembered: ~the last 200 (a few seconds of a loaded group). */
const DURATION_HORIZON = 200;
/** Durations are kept in seconds over 2^-6 … 2^8 (16 ms … 256 s). */
const LOWEST_LOG2 = -6;
const OCTAVES = 14;
/** Durations needed before F is trusted. */
const MIN_DURATIONS = 20;
/** The longest wait searched, in longest durations: by then every attempt now in flight has left. */
export const CAP_TOPS = 4;
/** Halvings of [0, cap]: a resolution of cap / 4096, ~1 ms per second of the longest duration. */
const BISECTION_STEPS = 12;
/** Before any duration is known, the longest wait searched, in the oldest attempt's ages. */
const PRIOR_CAP = 8;
/** F(a) above this: the attempt is older than every duration lately seen. */
const OVERDUE = 1 - 1e-9;

/**
 * The expected departures that make k likely by the deadline, at one-sided margin z: the (z-quantile) of a
 * Gamma(k) by Wilson–Hilferty, i.e. λ such that a Poisson count of mean λ reaches k with that confidence.
 * Departures of independent attempts vary less than Poisson, so this errs toward waiting longer; a normal
 * margin E − z·√E instead asks 7.3 expected departures for k = 1 where 4.6 suffice.
 */
export function needed(k: number, z: number): number {
  const c = 1 - 1 / (9 * k) + z / (3 * Math.sqrt(k));
  return c > 0 ? k * c * c * c : 0;
}

export class Departures {
  private starts = new Float64Array(64);
  private ended = new Uint8Array(64);
  private mask = 63;
  /** Sequence numbers: [head, tail) is the ring's span, live ones not ended. */
  private head = 0;
  private tail = 0;
  /** Attempts in flight. */
  live = 0;
  /** Durations in seconds. */
  private readonly durations = new RatioQuantile(DURATION_HORIZON, LOWEST_LOG2, OCTAVES);
  /** A read's scratch, per attempt not overdue: its age (s) and F(age) (0 before durations are known). */
  private ages = new Float64Array(64);
  private below = new Float64Array(64);

  /** An attempt was dispatched at `now`; returns its handle for `end`. */
  start(now: number): number {
    if (this.tail - this.head > this.mask) this.grow();
    const seq = this.tail++;
    this.starts[seq & this.mask] = now;
    this.ended[seq & this.mask] = 0;
    this.live++;
    return seq;
  }

  /** The attempt `handle` ended at `now`; a completed one's duration feeds F. */
  end(handle: number, now: number, completed: boolean): void {
    if (handle < this.head || handle >= this.tail) return;
    const i = handle & this.mask;
    if (this.ended[i] === 1) return;
    this.ended[i] = 1;
    this.live--;
    if (completed) this.durations.add((now - this.starts[i]) / 1000);
    while (this.head < this.tail && this.ended[this.head & this.mask] === 1) this.head++;
  }

  /** The mean of recent durations in ms, NaN until enough attempts completed. */
  meanMs(): number {
    return this.durations.size >= MIN_DURATIONS ? this.durations.mean() * 1000 : NaN;
  }

  /** Ms until `k` attempts will have left, at margin `z` (module comment); NaN when nothing is known. */
  waitMs(k: number, z: number, now: number): number {
    const n = this.live;
    if (n === 0 || !(k >= 1)) return NaN;
    const h = this.durations;
    const known = h.size >= MIN_DURATIONS;
    const mean = known ? h.mean() : NaN;
    let young = 0;
    let oldest = 0;
    for (let s = this.head; s < this.tail; s++) {
      const i = s & this.mask;
      if (this.ended[i] === 1) continue;
      const a = (now - this.starts[i]) / 1000;
      if (a > oldest) oldest = a;
      const f = known ? h.cdf(a) : 0;
      if (f > OVERDUE) continue;
      this.ages[young] = a;
      this.below[young++] = f;
    }
    // Nothing completed yet: no duration is known to be shorter than the oldest attempt's age (module comment).
    if (!known && !(oldest > 0)) return NaN;
    const overdue = n - young;
    const kk = k < n ? k : n;
    const want = needed(kk, z);
    const cap = known ? CAP_TOPS * h.top() : PRIOR_CAP * oldest;
    let t = cap;
    const lindyAge = known ? NaN : oldest;
    if (this.reaches(cap, young, overdue, mean, lindyAge, kk, want, z)) {
      let lo = 0;
      for (let step = 0; step < BISECTION_STEPS; step++) {
        const mid = (lo + t) / 2;
        if (this.reaches(mid, young, overdue, mean, lindyAge, kk, want, z)) t = mid;
        else lo = mid;
      }
    }
    const round = known ? mean : 2 * oldest;
    return (k > n ? t + Math.ceil((k - n) / n) * round : t) * 1000;
  }

  /**
   * Whether k departures are likely within t (s): the expected count N(t) reaches `want` (Poisson: right when
   * each attempt's chance is small), or N(t) − z·√Var reaches k (normal, with each attempt's own variance:
   * right when few attempts are each likely to end, where no Poisson mean above n is reachable).
   * `lindyAge`: the oldest attempt's age while no duration is known, else NaN.
   */
  private reaches(
    t: number,
    young: number,
    overdue: number,
    mean: number,
    lindyAge: number,
    k: number,
    want: number,
    z: number,
  ): boolean {
    let e = 0;
    let v = 0;
    if (lindyAge === lindyAge) {
      // Lindy: an attempt that must run at least to age A (the oldest's) and has run a_i ends within t with
      // chance t' / (A + t'), t' = the part of t beyond reaching A.
      for (let j = 0; j < young; j++) {
        const rest = t - (lindyAge - this.ages[j]);
        if (rest <= 0) continue;
        const p = rest / (lindyAge + rest);
        e += p;
        v += p * (1 - p);
      }
    } else {
      const h = this.durations;
      const po = 1 - Math.exp(-t / mean);
      e = overdue * po;
      v = overdue * po * (1 - po);
      for (let j = 0; j < young; j++) {
        const f = this.below[j];
        const p = (h.cdf(this.ages[j] + t) - f) / (1 - f);
        e += p;
        v += p * (1 - p);
      }
    }
    return e >= want || e - z * Math.sqrt(v) >= k;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const starts = new Float64Array(size);
    const ended = new Uint8Array(size);
    const mask = size - 1;
    for (let s = this.head; s < this.tail; s++) {
      starts[s & mask] = this.starts[s & this.mask];
      ended[s & mask] = this.ended[s & this.mask];
    }
    this.starts = starts;
    this.ended = ended;
    this.mask = mask;
    this.ages = new Float64Array(size);
    this.below = new Float64Array(size);
  }
}
