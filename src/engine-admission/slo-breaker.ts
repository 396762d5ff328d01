/**
 * The SLO breaker of one engine, on the TTFT and ITL measured on the streams passing through it:
 *
 *   ok   → slow   when the recent window holds ≥ min_samples and
 *                 mean TTFT > ttft_slo · margin  or  mean ITL > itl_slo · margin
 *   slow          takes no new request, except one probe each probe_interval_ms (never starved forever)
 *   probe         good (its TTFT and its own ITL within slo · margin) → ok, windows cleared;
 *                 bad (or failed) → slow, next probe after probe_interval_ms
 *
 * This is the seed proposal's point about where the TTFT/ITL signal belongs: at ingress it would refuse
 * everyone for one slow engine; here it only stops routing to that engine, and the router sends the request
 * elsewhere or queues it.
 */
import type { LatencyWindow } from './latency-window.ts';

export interface SloSettings {
  /** ms; 0 turns the TTFT check off. */
  ttftSloMs: number;
  /** ms per output token; 0 turns the ITL check off. */
  itlSloMs: number;
  margin: number;
  minSamples: number;
  probeIntervalMs: number;
}

export type BreakerState = 'ok' | 'slow';

export class SloBreaker {
  state: BreakerState = 'ok';
  probeInFlight = false;
  nextProbeAt = 0;
  trips = 0;
  /** Which signal tripped it last. */
  tripReason: 'ttft' | 'itl' | undefined = undefined;
  settings: SloSettings;
  private readonly ttft: LatencyWindow;
  private readonly itl: LatencyWindow;

  constructor(settings: SloSettings, ttft: LatencyWindow, itl: LatencyWindow) {
    this.settings = settings;
    this.ttft = ttft;
    this.itl = itl;
  }

  /** Whether a new request may go to the engine now (in `slow`, only when a probe is due). */
  allows(now: number): boolean {
    return this.state === 'ok' || (!this.probeInFlight && now >= this.nextProbeAt);
  }

  /** A request was dispatched; returns true when it is the probe. */
  dispatched(now: number): boolean {
    if (this.state === 'ok' || this.probeInFlight || now < this.nextProbeAt) return false;
    this.probeInFlight = true;
    return true;
  }

  /** Re-judges the windows after a new sample (only in `ok`: a slow engine is judged by its probes). */
  evaluate(now: number): void {
    if (this.state !== 'ok') return;
    const s = this.settings;
    const ttftBad = s.ttftSloMs > 0 && this.ttft.count(now) >= s.minSamples && this.ttft.mean(now) > s.ttftSloMs * s.margin;
    const itlBad = s.itlSloMs > 0 && this.itl.count(now) >= s.minSamples && this.itl.mean(now) > s.itlSloMs * s.margin;
    if (!ttftBad && !itlBad) return;
    this.state = 'slow';
    this.tripReason = ttftBad ? 'ttft' : 'itl';
    this.trips++;
    this.nextProbeAt = now + s.probeIntervalMs;
  }

  /** The probe ended without a verdict (its client went away first): the next one may go at once. */
  probeCancelled(): void {
    this.probeInFlight = false;
  }

  /** The probe's verdict: TTFT ms and mean ITL ms (NaN when it produced no second token). */
  probeResult(now: number, ttftMs: number, itlMs: number): void {
    if (!this.probeInFlight) return;
    this.probeInFlight = false;
    const s = this.settings;
    const good =
      ttftMs === ttftMs &&
      (s.ttftSloMs <= 0 || ttftMs <= s.ttftSloMs * s.margin) &&
      (s.itlSloMs <= 0 || !(itlMs > s.itlSloMs * s.margin));
    if (good) {
      this.state = 'ok';
      this.ttft.reset();
      this.itl.reset();
    } else {
      this.nextProbeAt = now + s.probeIntervalMs;
    }
  }
}
