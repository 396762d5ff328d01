/**
 * The router queue's wait prediction, calibrated by what queued requests actually waited. Per priority class c:
 *
 *   r       = waited / predicted          for every entry that leaves the queue dispatched or expired
 *             predicted = (k + z·√k) / μ_c, the waiting room's model at the offer (./waiting-room.ts)
 *   F_c     = the q-quantile of r over the class's last ~`horizon` leaves      (src/util/ratio-quantile.ts)
 *   admit   only if predicted · F_c fits before the request's last call
 *
 * Why: the model assumes departures at the window's mean rate μ, Poisson around it. Measured at 3× capacity on
 * a simulated fleet (mixed prompts, 15/50/35 % classes), queued requests waited a median 2× and a 99th
 * percentile 10-20× that mean, and 28 % of them expired (4 % of all refusals were queue timeouts). Two
 * reasons, both properties of the fleet rather than of the formula: departures come in waves (requests
 * dispatched together, with similar output lengths, end together; an engine holds its slots through a long
 * prefill), and a request is queued exactly when no engine has room, i.e. inside a gap between waves, where
 * the next departure is much further off than 1/μ (the inspection paradox). No fixed margin fits every fleet;
 * the ratio measures how wrong the model is on this one, for this class (critical and standard queue in
 * different gaps), and scales it. When the model holds (Poisson departures), F_c ≈ 1 and nothing changes.
 *
 * Two corrections make it safe from a fleet's past:
 *   F_c(now) = max(1 + (F_c − 1) · 2^(−idle / RELAX_MS),  live_c)
 * - idle = time since the class last had a leave. A drought (the first wave on an idle fleet hit by a step of
 *   load leaves nothing for a whole request's duration) can set F_c so high that the class no longer queues at
 *   all; then nothing leaves, nothing is recorded, and F_c would stay for the gateway's life. While no leave
 *   comes, F_c relaxes toward the model (half-life RELAX_MS = 5 s: several request durations, so a lull does
 *   not reopen the queue at once) until a request with the smallest wait is queued again, whose leave is a
 *   new record and restores the histogram's F_c. Each such probe admits one or a few requests: a handful of
 *   possible expiries per half-life, against the tens of refusals per second that closed the queue.
 * - live_c (./waiting-room.ts) = waited so far / predicted of the first queued request of each class at or
 *   above c: a lower bound on a ratio not yet recorded. Before a class has any record (a fresh gateway), and
 *   inside a drought, it stops the queue taking more than it can serve without waiting for the first expiry.
 *
 * An expiry is censored: the entry would have waited longer than it did, so its r is a lower bound. It is
 * recorded as it is: the entry was admitted only because predicted · F_c fit its last call, so its r is at
 * least the F_c of then, and a run of expiries pushes F_c up until they are rarer than 1 − q. Requests that
 * leave otherwise (client gone, displaced) say nothing about the wait and are not recorded.
 *
 * q = 0.995: the bound is queue timeouts ≤ 0.1 % of refusals, and at 3× capacity about one request is
 * queued per five refused (measured: 295 queued, 1,507 refused), so ≤ 0.5 % of queued requests expiring meets
 * it; below overload the queue rarely holds anyone long. horizon = 2 / (1 − q) leaves: the quantile then rests
 * on the ~2 largest ratios of the horizon, so one outlier (a GC pause) does not move it and two do; at ~20
 * leaves/s that is ~20 s of memory. F_c stays 1 (the model alone) until the class has 1 / (1 − q) leaves:
 * with fewer, a high quantile is only the largest ratio seen, and one start-up drought then closed the queue
 * to critical requests for the whole run (measured: critical admitted 100 % → 71 % at 3×). live_c covers
 * those first leaves. The ratio's range, 1/64 … 64, covers what was measured (~0.02 … 20) with room; beyond
 * it a value counts in the end bucket.
 */
import { PRIORITY_COUNT, type Priority } from '../../admission/priority.ts';
import { RatioQuantile } from '../../util/ratio-quantile.ts';

export const WAIT_QUANTILE = 0.995;
export const WAIT_HORIZON = 2 / (1 - WAIT_QUANTILE);
export const RELAX_MS = 5000;

export class WaitCalibration {
  private readonly tails: RatioQuantile[] = [];
  /** F_c, recomputed on the first read after a record (reads come per offer, records per leave). */
  private readonly factors = new Float64Array(PRIORITY_COUNT).fill(1);
  private readonly stale: boolean[] = [];
  private readonly lastAt = new Float64Array(PRIORITY_COUNT);
  private readonly leaves = new Float64Array(PRIORITY_COUNT);
  private readonly q: number;

  constructor(q = WAIT_QUANTILE, horizon = WAIT_HORIZON) {
    this.q = q;
    for (let i = 0; i < PRIORITY_COUNT; i++) {
      this.tails.push(new RatioQuantile(horizon, -6, 12));
      this.stale.push(false);
    }
  }

  /**
   * An entry of class `p` left after `waitedMs`, against `predictedMs` at its offer (ignored unless finite and > 0).
   */
  record(p: Priority, waitedMs: number, predictedMs: number, now: number): void {
    if (!(predictedMs > 0 && predictedMs < Infinity)) return;
    this.lastAt[p] = now;
    this.leaves[p]++;
    // A wait of 0 (dispatched within the same tick) is the smallest ratio there is, not a missing one.
    this.tails[p].add(Math.max(waitedMs, 1e-3) / predictedMs);
    this.stale[p] = true;
  }

  /** F_c at `now` (relaxed toward 1 while the class has no leave): what to multiply the model's wait by. */
  factor(p: Priority, now: number): number {
    if (this.stale[p]) {
      this.stale[p] = false;
      const f = this.leaves[p] * (1 - this.q) >= 1 - 1e-9 ? this.tails[p].quantile(this.q) : 1;
      this.factors[p] = f === f ? f : 1;
    }
    const f = this.factors[p];
    const idle = now - this.lastAt[p];
    return idle <= 0 || f === 1 ? f : 1 + (f - 1) * 2 ** (-idle / RELAX_MS);
  }

  /** The decayed count of leaves behind F_c. */
  samples(p: Priority): number {
    return this.tails[p].size;
  }
}
