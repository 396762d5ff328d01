/**
 * Feeds a limit one sample per window instead of one per request (Netflix concurrency-limits'
 * WindowedLimit): a window closes once it holds `windowSamples` samples and spans at least `windowMinMs`,
 * and the limit sees
 *
 *   rtt = mean of the window's latencies,  in_flight = the window's maximum,  dropped = any drop in it
 *
 * (rtt NaN when every sample was blind: a completion without a latency signal, counted for its in-flight),
 *
 * so one slow request (a long prompt that slipped past the normalisation) does not move the limit alone.
 */
import type { Clock } from '../../util/clock.ts';
import { blankSample } from './sample.ts';
import type { ConcurrencyLimit, LimitSample } from './types.ts';

export class WindowedLimit implements ConcurrencyLimit {
  readonly name: string;
  private readonly inner: ConcurrencyLimit;
  private readonly clock: Clock;
  private readonly samples: number;
  private readonly minMs: number;
  private start = NaN;
  private n = 0;
  /** Samples without a latency (a non-streamed completion): they count toward the window, not its mean. */
  private blind = 0;
  private sum = 0;
  private maxInFlight = 0;
  private dropped = false;
  // Only the window's rtt, in-flight and drop are passed on: the algorithms windowed here read nothing else.
  private readonly out: LimitSample = blankSample();

  constructor(inner: ConcurrencyLimit, clock: Clock, samples: number, minMs: number) {
    this.inner = inner;
    this.name = inner.name;
    this.clock = clock;
    this.samples = samples;
    this.minMs = minMs;
  }

  get limit(): number {
    return this.inner.limit;
  }

  update(s: LimitSample): void {
    const now = this.clock();
    if (this.n + this.blind === 0 && !this.dropped) this.start = now;
    if (s.rtt > 0) {
      this.n++;
      this.sum += s.rtt;
    } else if (!s.dropped) this.blind++;
    if (s.inFlight > this.maxInFlight) this.maxInFlight = s.inFlight;
    if (s.dropped) this.dropped = true;
    if (this.n + this.blind < this.samples && !(this.dropped && this.n > 0)) return;
    if (now - this.start < this.minMs) return;
    const out = this.out;
    out.rtt = this.n > 0 ? this.sum / this.n : NaN;
    out.inFlight = this.maxInFlight;
    out.dropped = this.dropped;
    this.n = 0;
    this.blind = 0;
    this.sum = 0;
    this.maxInFlight = 0;
    this.dropped = false;
    this.inner.update(out);
  }
}
