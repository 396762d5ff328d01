/**
 * What an engine says about its own load, and how report adapters hand it over. Every field is optional:
 * each engine kind reports a different subset (vLLM: no queued prefill tokens; hosted APIs: nothing).
 */

export interface LoadReport {
  /** Requests the engine is running (prefilling or decoding). */
  running?: number;
  /** Requests waiting in the engine's queue. */
  waiting?: number;
  /** KV blocks in use by requests (not counting cached blocks free for eviction). */
  kvBlocksUsed?: number;
  kvBlocksTotal?: number;
  /** KV use as a fraction, for engines that report it without their capacity (then config gives capacity). */
  kvUsage?: number;
  /** Tokens per KV block. */
  blockSize?: number;
  /** Prompt tokens dispatched to the engine and not yet prefilled. */
  queuedPrefillTokens?: number;
  /** Prompt tokens looked up in the engine's prefix cache, since it started (a counter). */
  prefixQueries?: number;
  /** Of those, tokens found cached (a counter). */
  prefixHits?: number;
}

/** The prediction at the moment a report was sampled: the base its "dispatched since" is measured from. */
export interface SampleMark {
  readonly at: number;
  readonly inFlight: number;
  readonly queuedPrefillTokens: number;
  readonly activeTokens: number;
}

/** Where an adapter delivers reports: implemented by EngineLoad. */
export interface ReportSink {
  readonly id: string;
  /** Call just before the engine samples its state (a scrape is sent; a pushed event arrived). */
  markSample(): SampleMark;
  report(report: LoadReport, mark: SampleMark): void;
  /** A scrape failed: counted; the last report goes stale on its own. */
  reportFailed(): void;
  /** The source is gone (a pushed feed dropped): counted, and the last report is no longer trusted. */
  reportLost(): void;
}

/** A source of reports for one engine, started and stopped with the gateway. */
export interface LoadAdapter {
  readonly kind: string;
  start(): void;
  stop(): Promise<void>;
}
