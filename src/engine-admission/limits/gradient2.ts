/**
 * gradient2 — Netflix concurrency-limits' Gradient2Limit. Each update compares the current (short) latency
 * with a long exponential average of it and moves the limit by the gradient:
 *
 *   long      ← EMA over `longWindow` samples (2 / (n + 1) weight, plain mean for the first 10)
 *               and long ← 0.9 · long when long / short > 2 (recovery after a long overload)
 *   if in_flight < limit / 2: no change (app-limited: the limit is not being tested)
 *   gradient  = max(0.5, min(1, tolerance · long / short))
 *   new       = limit · gradient + queue_size          (queue_size 'sqrt': √limit)
 *   limit     ← clamp(limit · (1 − smoothing) + new · smoothing, min, max)
 *
 * Constants (defaults in src/config/backpressure.ts): tolerance 1.5 (the value of the library's Gradient2
 * versions that had one: latency may grow by half before the limit shrinks, since an engine's TTFT grows with
 * its batch even without queueing), smoothing 0.2 and long window 600: the library's. queue_size defaults to
 * √limit (the library's choice for its Gradient v1) rather than Gradient2's fixed 4: an engine's limit spans 8
 * to 1000+, and a fixed +0.8 per update would take minutes to climb from a cautious start to vLLM's 256 seqs.
 * Drops do not move this limit (as in the library); the engine gate answers a 503/429 with a penalty instead.
 */
import type { ConcurrencyLimit, LimitParams, LimitSample } from './types.ts';

const WARMUP = 10;

export class Gradient2Limit implements ConcurrencyLimit {
  readonly name = 'gradient2';
  limit: number;
  longRtt = 0;
  private samples = 0;
  private readonly p: LimitParams;

  constructor(p: LimitParams) {
    this.p = p;
    this.limit = p.initial;
  }

  update(s: LimitSample): void {
    if (!(s.rtt > 0)) return;
    const p = this.p;
    const short = s.rtt;
    if (this.samples < WARMUP) {
      this.samples++;
      this.longRtt += (short - this.longRtt) / this.samples;
    } else {
      const k = 2 / (p.longWindow + 1);
      this.longRtt = this.longRtt * (1 - k) + short * k;
    }
    if (this.longRtt / short > 2) this.longRtt *= 0.9;
    if (s.inFlight < this.limit / 2) return;
    const gradient = Math.max(0.5, Math.min(1, ((p.tolerance ?? 1.5) * this.longRtt) / short));
    const next = this.limit * gradient + (p.queueSize === 'sqrt' ? Math.sqrt(this.limit) : p.queueSize);
    this.limit = Math.max(p.min, Math.min(p.max, this.limit * (1 - p.smoothing) + next * p.smoothing));
  }
}
