/**
 * The SLO breaker of one engine, by priority class, on the TTFT and ITL measured on the streams passing
 * through it (the engine's recent windows, ./latency-window.ts):
 *
 *   pressure  r = max(min(mean TTFT, mean TTFT⁺) / ttft_slo, mean ITL / itl_slo) / margin
 *                 (a signal counts once its window of measured samples holds ≥ min_samples; 0 while none does)
 *   class c   takes no new request on this engine while r > f(c)
 *                 (f(c): the class's fraction of every limit, src/admission/priority.ts: 1, 0.9, 0.7)
 *
 * TTFT⁺ holds the measured TTFTs and the upper bounds of TTFT from non-streamed responses (their end-to-end
 * times), so its mean bounds the mean TTFT of all responses from above. A bound can show the engine within its
 * target (mean TTFT⁺ at or under a threshold) but never over it: through the min, bounds only lower the
 * pressure, and only measured TTFTs raise it. Without streamed traffic the TTFT signal stays 0, as before.
 *
 * As an engine nears its SLO it sheds sheddable requests first (at 0.7 of it), then standard ones (0.9), and
 * critical ones only once it breaks the SLO itself. Recovery reads the same live window, with no probes: the
 * streams still running keep adding ITL samples, the classes still admitted add TTFTs, and what is not renewed
 * ages out, so a class is readmitted as soon as the window is back at its threshold, and at the latest
 * slo_window_ms after the last bad sample (never starved forever). The engine is thus held at its SLO, not
 * below it: the old design let one probe in per interval and reopened only on a good probe after its
 * windows were cleared, so on a fleet bound by decode every engine alternated between a flood and a stall
 * and ran at ~0.6 of what it could serve.
 *
 * Trip and recovery share each class's threshold, with no hysteresis band: the window mean is already a
 * moving average over slo_window_ms that moves by one bucket's share at a time, so it does not flap from
 * one request to the next, and every decision it flips admits or sheds single requests of one class, not the
 * engine. A band would hold the engine below its threshold by the band's width, the fault being fixed.
 *
 * The pressure is cached: the windows change only with a new sample (`changed()`) or when a bucket leaves
 * (`stableUntil`), so the router's per-candidate check is a comparison.
 */
import type { Ref } from '../util/ref.ts';
import type { LatencyWindow } from './latency-window.ts';

export interface SloSettings {
  /** ms; 0 turns the TTFT check off. */
  readonly ttftSloMs: number;
  /** ms per output token; 0 turns the ITL check off. */
  readonly itlSloMs: number;
  readonly margin: number;
  readonly minSamples: number;
}

export class SloBreaker {
  /** Which signal sets the pressure (the larger ratio), as of the last evaluation. */
  reason: 'ttft' | 'itl' = 'ttft';
  private readonly settingsRef: Ref<SloSettings>;
  private readonly ttft: LatencyWindow;
  private readonly itl: LatencyWindow;
  private r = 0;
  private validUntil = -Infinity;
  /** The settings the cached pressure was judged by: new settings judge again. */
  private judgedBy: SloSettings | undefined = undefined;

  /** `ttft`: measured TTFTs, and upper bounds of TTFT when the engine keeps them (LatencyWindow `bounds`). */
  constructor(settings: Ref<SloSettings>, ttft: LatencyWindow, itl: LatencyWindow) {
    this.settingsRef = settings;
    this.ttft = ttft;
    this.itl = itl;
  }

  get settings(): SloSettings {
    return this.settingsRef.current;
  }

  /** r: the engine's latency over its SLO (1 = at the SLO × margin). */
  pressure(now: number): number {
    const s = this.settingsRef.current;
    if (now < this.validUntil && s === this.judgedBy) return this.r;
    this.judgedBy = s;
    let t = 0;
    if (s.ttftSloMs > 0 && this.ttft.count(now) >= s.minSamples) {
      t = Math.min(this.ttft.mean(now), this.ttft.upperMean(now)) / (s.ttftSloMs * s.margin);
    }
    const i = s.itlSloMs > 0 && this.itl.count(now) >= s.minSamples ? this.itl.mean(now) / (s.itlSloMs * s.margin) : 0;
    this.reason = i > t ? 'itl' : 'ttft';
    this.r = Math.max(t, i);
    this.validUntil = Math.min(this.ttft.stableUntil(now), this.itl.stableUntil(now));
    return this.r;
  }

  /** Whether a request of a class with fraction `f` may go to the engine now. */
  allows(now: number, f: number): boolean {
    return this.pressure(now) <= f;
  }

  /** A sample was added to a window: judge again at the next read. */
  changed(): void {
    this.validUntil = -Infinity;
  }

  /**
   * When a class with fraction `f` is admitted again if no new sample comes: both signals at or under
   * f × slo × margin, or holding fewer than min_samples. For Retry-After and the queue's wake-up. New samples
   * may bring it forward (streams ending well) or push it back; either way the queue looks again then.
   */
  recoversAt(now: number, f: number): number {
    const s = this.settings;
    let at = now;
    if (s.ttftSloMs > 0) {
      // Either mean at the threshold admits it: the measured one, or the one with bounds.
      const threshold = f * s.ttftSloMs * s.margin;
      const measured = this.ttft.clearsAt(now, threshold, s.minSamples);
      at = Math.max(at, Math.min(measured, this.ttft.clearsAt(now, threshold, s.minSamples, true)));
    }
    if (s.itlSloMs > 0) at = Math.max(at, this.itl.clearsAt(now, f * s.itlSloMs * s.margin, s.minSamples));
    return at;
  }
}
