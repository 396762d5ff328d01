/**
 * One engine's load: predicted from what this gateway dispatched, reconciled with what the engine reports.
 *
 * Prediction (exact bookkeeping, see ./permit.ts): in-flight requests; queued prefill tokens (dispatched,
 * first token not yet seen); active KV tokens (prompt tokens not believed cached there + output tokens so
 * far). A shared prefix counts once per engine because the second request finds it in the prefix index and
 * reserves only its uncached tail.
 *
 * Reconciliation, per signal S, when the last report is fresh (younger than staleAfterMs):
 *
 *   S = max( predicted(now),  reported + predicted(now) − predicted(at sample) )
 *
 * i.e. the report plus what was dispatched (and released) since the engine sampled it, never below our own
 * prediction. Both terms are lower bounds of the truth for different reasons: the report misses requests still
 * on their way into the engine (a burst is accepted before any engine sees it), the prediction misses other
 * clients' requests and cache misses we did not foresee. Under-estimating sends a burst to one engine, over-
 * estimating only sends a little less to it, so the larger wins. Without a fresh report (none yet, stale, or
 * the engine kind reports nothing) S = predicted(now). Capacity (total blocks, block size) comes from the
 * engine's report when it has one, else from config.
 *
 * Prefix cache: each dispatch records its prompt's block chain as sent here (the prefix index), and the index's
 * share for this engine is bounded by the KV capacity (in the index's blocks: capacity tokens × the prompt's
 * bytes per token / block bytes), so it never credits the engine with more than its pool holds. Where the engine
 * reports prefix hit and query counters, the cached tokens of a dispatch are the index's overlap times the
 * engine's calibration (./prefix-calibration.ts); a counter going down (restart) forgets the engine's share.
 *
 * Cluster (../cluster/types.ts): `predicted` is what this instance dispatched; every read above (and the
 * sample mark a report is reconciled against) counts it plus the other instances' rows, so the busy checks,
 * the KV budget and the deadline math see the fleet's whole work. Each own change is told to the share.
 */
import { ZERO_ROW } from '../cluster/solo.ts';
import type { LoadRow, LoadShare } from '../cluster/types.ts';
import type { PrefixIndex } from '../prefix/prefix-index.ts';
import type { PromptInfo } from '../prefix/prompt-info.ts';
import type { Clock } from '../util/clock.ts';
import { busyAt } from './busy.ts';
import type { PermitEngine } from './permit.ts';
import { LoadPermit } from './permit.ts';

type Predicted = PermitEngine['predicted'];

import { PrefixCalibration } from './prefix-calibration.ts';
import type { LoadReport, ReportSink, SampleMark } from './report.ts';

export interface EngineLoadOptions {
  id: string;
  clock: Clock;
  /** The index the dispatched prompt chains are recorded in (approximate prefix mode). */
  prefix?: PrefixIndex;
  /** Tokens per KV block until the engine reports its own. Default 16 (vLLM's default). */
  blockSize?: number;
  /** KV capacity in blocks when the engine reports none. */
  totalBlocks?: number;
  /** Concurrency capacity when KV capacity is unknown (max_parallel_requests of hosted APIs). */
  maxParallelRequests?: number;
  /** A report older than this is ignored. Default 1000 ms (10 scrapes at the default interval). */
  staleAfterMs?: number;
  /** Busy (excluded by kv-aware and least-kv) at or above this reconciled KV use, 0..1. Default: never. */
  busyKvUsage?: number;
  /** Throw on a double release (tests) instead of only counting it. */
  strict?: boolean;
  /** Its place in the cluster's load share (FleetLoad attached `own` at `index`); alone without. */
  shared?: { share: LoadShare; index: number; own: LoadRow };
}

export class EngineLoad implements ReportSink {
  readonly id: string;
  /** This engine's slot in the prefix index (-1 without one). */
  readonly slot: number;
  /** Written only by LoadPermit: what this instance dispatched. */
  readonly predicted: Predicted;
  /** The other instances' rows for this engine, summed (zeros alone). */
  private readonly others: Readonly<LoadRow>;
  private readonly share: LoadShare | undefined;
  private readonly index: number;
  lastReport: LoadReport | undefined;
  private mark: SampleMark | undefined;
  /** When the report source was last lost; a report sampled before it is not trusted. */
  private lostAt = -Infinity;
  reportFailures = 0;
  reports = 0;
  doubleReleases = 0;
  lateEvents = 0;
  /** Prompt tokens dispatched here, and the share of them estimated cached: the prefix hit estimate. */
  promptTokensTotal = 0;
  cachedTokensTotal = 0;
  /** The engine's prefix hit rate against the index's estimate (1 until it reports its counters). */
  readonly calibration = new PrefixCalibration();
  /** Every engine of a fleet shares the fleet's: a decision over several reads it once (see utilization). */
  readonly clock: Clock;
  private readonly prefix: PrefixIndex | undefined;
  private readonly opts: EngineLoadOptions;
  private readonly staleAfterMs: number;
  /** Told after every report: a capacity event for whoever queues work for this engine (back pressure). */
  private reportListener: (() => void) | undefined = undefined;

  constructor(opts: EngineLoadOptions) {
    this.id = opts.id;
    this.clock = opts.clock;
    this.prefix = opts.prefix;
    this.slot = opts.prefix ? opts.prefix.slot(opts.id) : -1;
    this.staleAfterMs = opts.staleAfterMs ?? 1000;
    this.opts = opts;
    const shared = opts.shared;
    this.predicted = shared?.own ?? { inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 };
    this.share = shared?.share;
    this.index = shared?.index ?? -1;
    this.others = shared?.share.others[this.index] ?? ZERO_ROW;
  }

  /** This engine's row among the instances' (undefined alone): a replacement of the same id keeps it. */
  get sharedRow(): EngineLoadOptions['shared'] {
    return this.opts.shared;
  }

  /** LoadPermit changed `predicted` (PermitEngine). */
  changed(): void {
    this.share?.changed(this.index);
  }

  /** Dispatch: reserves this request's load here and records its prompt chain as sent to this engine. */
  reserve(prompt?: PromptInfo): LoadPermit {
    let uncached = 0;
    let cached = 0;
    if (prompt !== undefined) {
      const indexed = this.slot >= 0 ? prompt.cachedTokens(this.slot) : 0;
      cached = this.calibrated(prompt.tokens, indexed);
      uncached = prompt.tokens - cached;
      this.calibration.dispatched(prompt.tokens, indexed);
      if (this.prefix !== undefined && prompt.hashes.length > 0) {
        const total = this.kvBlocksTotal;
        if (total !== undefined && prompt.tokens > 0) {
          this.prefix.setCapacity(
            this.slot,
            (total * this.blockSize * prompt.bytes) / (prompt.tokens * prompt.blockBytes),
          );
        }
        this.prefix.stored(this.slot, prompt.hashes);
      }
      this.promptTokensTotal += prompt.tokens;
      this.cachedTokensTotal += cached;
    }
    const p = this.predicted;
    p.inFlight++;
    p.queuedPrefillTokens += uncached;
    p.activeTokens += uncached;
    this.changed();
    return new LoadPermit(this, uncached, cached);
  }

  /** Prompt tokens of `prompt` estimated cached here: the index's overlap, calibrated by the engine's counters. */
  cachedTokens(prompt: PromptInfo): number {
    return this.calibrated(prompt.tokens, this.slot >= 0 ? prompt.cachedTokens(this.slot) : 0);
  }

  private calibrated(tokens: number, indexed: number): number {
    const f = this.calibration.factor;
    return indexed === 0 || f === 1 ? indexed : Math.min(tokens, Math.round(indexed * f));
  }

  doubleRelease(): void {
    this.doubleReleases++;
    if (this.opts.strict) throw new Error(`engine ${this.id}: load permit released twice`);
  }

  // --- reports (ReportSink) ---

  /** `listener` runs after each report (one listener: the router queue of the engine's group). */
  onReport(listener: () => void): void {
    this.reportListener = listener;
  }

  markSample(): SampleMark {
    const p = this.predicted;
    const o = this.others;
    return {
      at: this.clock(),
      inFlight: p.inFlight + o.inFlight,
      queuedPrefillTokens: p.queuedPrefillTokens + o.queuedPrefillTokens,
      activeTokens: p.activeTokens + o.activeTokens,
    };
  }

  report(report: LoadReport, mark: SampleMark): void {
    this.lastReport = report;
    this.mark = mark;
    this.reports++;
    if (report.prefixQueries !== undefined && report.prefixHits !== undefined) {
      const sameEngine = this.calibration.reported(report.prefixQueries, report.prefixHits, mark.at);
      if (!sameEngine && this.prefix !== undefined) this.prefix.cleared(this.slot);
    }
    this.reportListener?.();
  }

  reportFailed(): void {
    this.reportFailures++;
  }

  reportLost(): void {
    this.reportFailures++;
    this.lostAt = this.clock();
  }

  /** Milliseconds since the last report was sampled (Infinity before the first). */
  reportAgeMs(time = this.clock()): number {
    return this.mark === undefined ? Infinity : time - this.mark.at;
  }

  isReportFresh(time = this.clock()): boolean {
    return this.mark !== undefined && this.mark.at > this.lostAt && this.reportAgeMs(time) <= this.staleAfterMs;
  }

  // --- the reconciled view routing decides on ---

  get blockSize(): number {
    return this.lastReport?.blockSize ?? this.opts.blockSize ?? 16;
  }

  /** KV capacity in blocks, when the engine or the config says it. */
  get kvBlocksTotal(): number | undefined {
    return this.lastReport?.kvBlocksTotal ?? this.opts.totalBlocks;
  }

  /** KV blocks of what this instance dispatched (its own: the metric sums over instances). */
  predictedKvBlocks(): number {
    return this.predicted.activeTokens / this.blockSize;
  }

  inFlight(time = this.clock()): number {
    const r = this.freshReport(time);
    const now = this.predicted.inFlight + this.others.inFlight;
    if (r === undefined || r.running === undefined || r.waiting === undefined) return now;
    return Math.max(now, r.running + r.waiting + now - this.mark!.inFlight);
  }

  queuedPrefillTokens(time = this.clock()): number {
    const r = this.freshReport(time);
    const now = this.predicted.queuedPrefillTokens + this.others.queuedPrefillTokens;
    if (r === undefined || r.queuedPrefillTokens === undefined) return now;
    return Math.max(now, r.queuedPrefillTokens + now - this.mark!.queuedPrefillTokens);
  }

  kvBlocksUsed(time = this.clock()): number {
    const r = this.freshReport(time);
    const bs = this.blockSize;
    const now = (this.predicted.activeTokens + this.others.activeTokens) / bs;
    if (r === undefined) return now;
    const total = this.kvBlocksTotal;
    const reported = r.kvBlocksUsed ?? (r.kvUsage !== undefined && total ? r.kvUsage * total : undefined);
    if (reported === undefined) return now;
    return Math.max(now, reported + now - this.mark!.activeTokens / bs);
  }

  /** Reconciled KV use as a fraction of capacity, or undefined when capacity is unknown. */
  kvUsage(time = this.clock()): number | undefined {
    const total = this.kvBlocksTotal;
    return total ? this.kvBlocksUsed(time) / total : undefined;
  }

  /**
   * Load in [0, ∞) comparable across engines: KV use over KV capacity when known, else in-flight over
   * max_parallel_requests, else the raw in-flight count. `time` (this engine's clock, read once by a caller
   * deciding over many engines) dates the report's freshness: a clock read costs about what the rest does.
   */
  utilization(time = this.clock()): number {
    const kv = this.kvUsage(time);
    if (kv !== undefined) return kv;
    const cap = this.opts.maxParallelRequests;
    return cap ? this.inFlight(time) / cap : this.inFlight(time);
  }

  /** Busy by its own `busy_kv_usage` (./busy.ts): the load-aware strategies skip it. */
  isBusy(): boolean {
    const limit = this.opts.busyKvUsage;
    return limit !== undefined && busyAt(this, limit, Infinity) !== undefined;
  }

  /** Estimated prefix hit rate of what was dispatched here: cached / prompt tokens. */
  prefixHitRate(): number {
    return this.promptTokensTotal === 0 ? 0 : this.cachedTokensTotal / this.promptTokensTotal;
  }

  /** Throws unless every permit was released exactly once and the prediction is back to zero. */
  assertDrained(): void {
    const p = this.predicted;
    if (p.inFlight !== 0 || p.queuedPrefillTokens !== 0 || p.activeTokens !== 0 || this.doubleReleases !== 0) {
      throw new Error(
        `engine ${this.id}: load not drained (in-flight ${p.inFlight}, queued prefill ${p.queuedPrefillTokens}, ` +
          `active tokens ${p.activeTokens}, double releases ${this.doubleReleases})`,
      );
    }
  }

  private freshReport(time: number): LoadReport | undefined {
    return this.lastReport !== undefined && this.isReportFresh(time) ? this.lastReport : undefined;
  }
}
