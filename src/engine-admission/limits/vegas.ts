/**
 * vegas — Netflix concurrency-limits' VegasLimit (TCP Vegas, Brakmo & Peterson 1995). It estimates the queue
 * the limit builds from the no-load latency:
 *
 *   queue     = ceil(limit · (1 − rtt_noload / rtt))
 *   L         = max(1, floor(log10(limit)));  alpha = 3L, beta = 6L, threshold = L
 *   dropped             → limit − L
 *   in_flight·2 < limit → no change
 *   queue ≤ threshold   → limit + beta        (no queueing: grow fast)
 *   queue < alpha       → limit + L
 *   queue > beta        → limit − L
 *   else                → no change
 *   limit ← clamp((1 − smoothing) · limit + smoothing · new, 1..max)
 *
 * rtt_noload is the smallest latency seen, re-probed every jitter · probe_multiplier · limit samples (jitter
 * uniform in [0.5, 1)) so it follows a slower engine instead of remembering its best day. Constants: the
 * library's (probe multiplier 30); smoothing is shared with gradient2's setting.
 */
import type { Random } from '../../util/random.ts';
import type { ConcurrencyLimit, LimitParams, LimitSample } from './types.ts';

const log10Root = (limit: number) => Math.max(1, Math.floor(Math.log10(limit)));

export class VegasLimit implements ConcurrencyLimit {
  readonly name = 'vegas';
  limit: number;
  rttNoLoad = 0;
  private probeCount = 0;
  private probeJitter: number;
  private readonly p: LimitParams;
  private readonly random: Random;

  constructor(p: LimitParams, random: Random) {
    this.p = p;
    this.random = random;
    this.limit = p.initial;
    this.probeJitter = 0.5 + random() / 2;
  }

  update(s: LimitSample): void {
    if (!(s.rtt > 0)) return;
    this.probeCount++;
    if (this.probeJitter * this.p.probeMultiplier * this.limit <= this.probeCount) {
      this.probeJitter = 0.5 + this.random() / 2;
      this.probeCount = 0;
      this.rttNoLoad = s.rtt;
      return;
    }
    if (this.rttNoLoad === 0 || s.rtt < this.rttNoLoad) {
      this.rttNoLoad = s.rtt;
      return;
    }
    const limit = this.limit;
    const L = log10Root(limit);
    const queue = Math.ceil(limit * (1 - this.rttNoLoad / s.rtt));
    let next: number;
    if (s.dropped) next = limit - L;
    else if (s.inFlight * 2 < limit) return;
    else if (queue <= L) next = limit + 6 * L;
    else if (queue < 3 * L) next = limit + L;
    else if (queue > 6 * L) next = limit - L;
    else return;
    next = Math.max(1, Math.min(this.p.max, next));
    this.limit = Math.max(this.p.min, (1 - this.p.smoothing) * limit + this.p.smoothing * next);
  }
}
