/**
 * Scrapes an engine's Prometheus /metrics every `intervalMs` and hands the mapped report to the engine's load.
 *
 * One keep-alive connection per engine (an undici Pool of 1); scrapes never overlap: the next one is scheduled
 * when the previous ends, `intervalMs` after it started. A scrape that fails or outlives `timeoutMs` is counted
 * and skipped; the last good report then ages until EngineLoad stops trusting it (staleAfterMs).
 */
import { Pool } from 'undici';
import type { LoadAdapter, ReportSink } from '../report.ts';
import type { MetricsMapping } from './engine-metrics.ts';

export interface ScrapeOptions {
  kind: string;
  url: string;
  sink: ReportSink;
  mapping: MetricsMapping;
  /** Default 100 ms. */
  intervalMs?: number;
  /** Default 1000 ms. */
  timeoutMs?: number;
}

export class ScrapeAdapter implements LoadAdapter {
  readonly kind: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly sink: ReportSink;
  private readonly mapping: MetricsMapping;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private running = false;

  constructor(opts: ScrapeOptions) {
    const url = new URL(opts.url);
    this.kind = opts.kind;
    this.pool = new Pool(url.origin, { connections: 1 });
    this.path = url.pathname + url.search;
    this.sink = opts.sink;
    this.mapping = opts.mapping;
    this.intervalMs = opts.intervalMs ?? 100;
    this.timeoutMs = opts.timeoutMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.abort?.abort();
    await this.inflight;
    await this.pool.close();
  }

  /** One scrape now; resolves when its report (or failure) has been delivered. Exposed for tests. */
  async scrapeOnce(): Promise<void> {
    const mark = this.sink.markSample();
    const abort = (this.abort = new AbortController());
    const timeout = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      const res = await this.pool.request({ path: this.path, method: 'GET', signal: abort.signal });
      if (res.statusCode !== 200) {
        await res.body.dump();
        this.sink.reportFailed();
        return;
      }
      this.sink.report(this.mapping(await res.body.text()), mark);
    } catch {
      this.sink.reportFailed();
    } finally {
      clearTimeout(timeout);
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      const started = performance.now();
      this.inflight = this.scrapeOnce().then(() => {
        this.inflight = undefined;
        if (this.running) this.schedule(Math.max(0, this.intervalMs - (performance.now() - started)));
      });
    }, delayMs);
    this.timer.unref();
  }
}
