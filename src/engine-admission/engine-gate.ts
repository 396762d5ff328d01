/**
 * Level 3's enforcement for one engine: its in-flight count under an adaptive concurrency limit, its SLO
 * breaker, and a short penalty after the engine itself refuses a request. The router asks `blockedBy(now, f)`
 * for every candidate; a dispatched attempt holds one slot (`acquire`) released exactly once (`release`).
 *
 * By priority class (f = the class's fraction of every limit, src/admission/priority.ts), the engine takes a
 * new request while
 *   in_flight < max(1, ⌊f · limit⌋)    and    the breaker's pressure ≤ f    (./slo-breaker.ts)
 * so the top of every engine's limit and of its SLO stays free for the classes above: critical always finds
 * headroom there that lower classes cannot take.
 *
 * Measured on the stream in real time, no scraping:
 *   TTFT  dispatch → first body chunk, per request              → TTFT window, and the limit's sample
 *   ITL   gap between chunks / tokens in the later chunk        → ITL window (weighted by tokens)
 *   e2e   dispatch → end of a completed non-streamed response   → TTFT window, marked as an upper bound
 * A non-streamed response's first byte is its last, so its end-to-end time is only an upper bound of its
 * TTFT: it can show the engine within its TTFT target, never over it, and the breaker reads it that way
 * (./slo-breaker.ts). The limit and the TTFT-by-length fit never see it: the limit already has the whole
 * latency from the attempt's end (`completed`), and a bound would bias the fit the queue's deadlines rely on.
 * The limit is fed every first token and drop (`update`). The windowed algorithms' latency signal is TTFT
 * normalised for prompt length,
 *   rtt = ttft / (1 + prompt_tokens / norm_tokens)
 * with norm_tokens (default 1024) about the prompt length whose prefill costs as much as an engine step's
 * fixed cost. Algorithms that want more also get each chunk's tokens (`tokens`) and each attempt's end
 * (`completed`); every sample carries the raw TTFT and prompt length, the group's SLOs, and the engine's
 * own running and waiting counts while its report is fresh.
 */
import type { LoadReport } from '../load/report.ts';
import type { Clock } from '../util/clock.ts';
import { RatioQuantile } from '../util/ratio-quantile.ts';
import type { Ref } from '../util/ref.ts';
import { LatencyWindow } from './latency-window.ts';
import { blankSample } from './limits/sample.ts';
import type { ConcurrencyLimit, LimitSample } from './limits/types.ts';
import { SloBreaker, type SloSettings } from './slo-breaker.ts';
import { TtftFit } from './ttft-fit.ts';

/** The engine's reports as the limit reads them (the load model's EngineLoad). */
export interface EngineReports {
  readonly lastReport: LoadReport | undefined;
  /** Reports received so far. */
  readonly reports: number;
  isReportFresh(): boolean;
}

export type EngineBlock = 'penalty' | 'slow' | 'limited';

/** Samples the operator page's p50/p99 fade over (decayed, O(1) per add): TTFTs, and ITL chunks (many per stream). */
const TTFT_QUANTILE_HORIZON = 256;
const ITL_QUANTILE_HORIZON = 2048;

/** What an engine's gate decides by that may change at run time: its group's SLOs and the TTFT normalisation. */
export interface EngineGateSettings extends SloSettings {
  readonly normTokens: number;
}

export interface EngineGateOptions {
  id: string;
  clock: Clock;
  limit: ConcurrencyLimit;
  settings: Ref<EngineGateSettings>;
  windowMs: number;
  reports?: EngineReports;
}

export class EngineGate {
  readonly id: string;
  inFlight = 0;
  releaseErrors = 0;
  penaltyUntil = 0;
  penalties = 0;
  limit: ConcurrencyLimit;
  /** Measured TTFTs (streamed responses), and upper bounds of TTFT (non-streamed responses' end-to-end times). */
  readonly ttft: LatencyWindow;
  readonly itl: LatencyWindow;
  /** TTFT by prompt length, for the router queue's service-time estimate. */
  readonly ttftFit: TtftFit;
  readonly breaker: SloBreaker;
  /** TTFT and per-token ITL distributions (ms, 1/8 ms … ~2 min) for the operator page's p50/p99 (src/ops/ui). */
  readonly ttftQuantiles = new RatioQuantile(TTFT_QUANTILE_HORIZON, -3, 20);
  readonly itlQuantiles = new RatioQuantile(ITL_QUANTILE_HORIZON, -3, 20);
  private readonly settings: Ref<EngineGateSettings>;
  private readonly reports: EngineReports | undefined;
  private readonly sample: LimitSample = blankSample();

  constructor(o: EngineGateOptions) {
    this.id = o.id;
    this.limit = o.limit;
    this.settings = o.settings;
    this.reports = o.reports;
    this.ttft = new LatencyWindow({ clock: o.clock, windowMs: o.windowMs, bounds: true });
    this.itl = new LatencyWindow({ clock: o.clock, windowMs: o.windowMs });
    this.ttftFit = new TtftFit(o.windowMs);
    this.breaker = new SloBreaker(o.settings, this.ttft, this.itl);
  }

  get normTokens(): number {
    return this.settings.current.normTokens;
  }

  /** Why the engine cannot take a new request of a class with fraction `f` now, or undefined when it can. */
  blockedBy(now: number, f = 1, share = f): EngineBlock | undefined {
    if (now < this.penaltyUntil) return 'penalty';
    if (!this.breaker.allows(now, f)) return 'slow';
    if (this.inFlight >= Math.max(1, Math.floor(share * this.limit.limit))) return 'limited';
    return undefined;
  }

  /**
   * When the time-bound blocks of a class with fraction `f` end (a penalty, the breaker's window clearing),
   * for Retry-After and the queue's wake-up; Infinity when neither blocks it (a limit ends with an event).
   */
  unblocksAt(now: number, f = 1): number {
    const penalty = now < this.penaltyUntil;
    const slow = !this.breaker.allows(now, f);
    if (!penalty && !slow) return Infinity;
    return Math.max(penalty ? this.penaltyUntil : now, slow ? this.breaker.recoversAt(now, f) : now);
  }

  /** Takes a slot. */
  acquire(): void {
    this.inFlight++;
  }

  /** The first body chunk arrived `ttftMs` after dispatch, `waitedMs` of the request's budget gone before it. */
  firstToken(now: number, ttftMs: number, promptTokens: number, waitedMs = 0): void {
    this.ttft.add(ttftMs, 1, now);
    this.ttftQuantiles.add(ttftMs);
    this.ttftFit.add(now, ttftMs, promptTokens);
    const s = this.fill(false, ttftMs, promptTokens);
    s.rtt = ttftMs / (1 + promptTokens / this.normTokens);
    s.waitedMs = waitedMs;
    this.limit.update(s);
    this.breaker.changed();
  }

  /** A non-streamed response completed `e2eMs` after dispatch: an upper bound of its TTFT, nothing more. */
  ttftBound(now: number, e2eMs: number): void {
    this.ttft.addBound(e2eMs, now);
    this.breaker.changed();
  }

  /** `tokens` output tokens arrived `gapMs` after the previous chunk. */
  tokens(now: number, gapMs: number, tokens: number): void {
    if (tokens <= 0) return;
    this.itl.add(gapMs, tokens, now);
    this.itlQuantiles.add(gapMs / tokens);
    if (this.limit.tokens !== undefined) this.limit.tokens(now, gapMs, tokens, this.fill(false, NaN, 0));
    this.breaker.changed();
  }

  /**
   * Gives the slot back. `dropped`: the engine refused or timed out (a sample the limit counts as a drop).
   * `ttftMs`, `itlMs`: what the attempt measured (NaN when it never produced them), for limits that judge ends.
   */
  release(now: number, dropped: boolean, elapsedMs: number, ttftMs = NaN, itlMs = NaN): void {
    if (this.inFlight <= 0) {
      this.releaseErrors++;
      return;
    }
    if (dropped) {
      const s = this.fill(true, NaN, 0);
      s.rtt = elapsedMs;
      this.limit.update(s);
    } else if (this.limit.completed !== undefined) {
      this.limit.completed(now, elapsedMs, itlMs, this.fill(false, ttftMs, 0));
    }
    this.inFlight--;
  }

  /** The gate's one sample, rewritten for this event (rtt 0: the caller sets it when it has one). */
  private fill(dropped: boolean, ttftMs: number, promptTokens: number): LimitSample {
    const s = this.sample;
    s.rtt = 0;
    s.waitedMs = 0;
    s.inFlight = this.inFlight;
    s.dropped = dropped;
    s.ttftMs = ttftMs;
    s.promptTokens = promptTokens;
    const slo = this.settings.current;
    s.ttftSloMs = slo.ttftSloMs;
    s.itlSloMs = slo.itlSloMs;
    const reports = this.reports;
    const r = reports?.lastReport;
    if (r !== undefined && r.waiting !== undefined && r.running !== undefined && reports!.isReportFresh()) {
      s.running = r.running;
      s.waiting = r.waiting;
      s.reportSeq = reports!.reports;
    } else {
      s.running = s.waiting = NaN;
    }
    return s;
  }

  /** The engine refused a request itself (503/429): no new work for `ms` (a penalty, not a cooldown). */
  penalize(now: number, ms: number): void {
    this.penalties++;
    this.penaltyUntil = Math.max(this.penaltyUntil, now + ms);
  }
}
