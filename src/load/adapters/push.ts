/**
 * Subscribes to an engine's pushed load feed (the simulator's GET /load/stream, src/sim/load-feed.ts) and
 * reconnects when it drops.
 *
 * Each event's data is one JSON snapshot, every field optional here:
 *   {"running","waiting","kvBlocksUsed","kvBlocksTotal","queuedPrefillTokens", "seq","ts"}
 * The feed sends the current snapshot on connect and then one per change (throttled), so a quiet feed means an
 * unchanged engine: the report stays trusted while connected (stale_after_ms defaults long for push), and is
 * dropped the moment the connection is (reportLost). Each event is marked on arrival. Reconnects back off from
 * 100 ms to 5 s, and reset after an event arrives.
 */
import { createParser } from 'eventsource-parser';
import { request } from 'undici';
import type { LoadAdapter, LoadReport, ReportSink } from '../report.ts';

export interface PushOptions {
  url: string;
  sink: ReportSink;
  /** Time allowed to connect and get the response headers. Default 1000 ms. */
  timeoutMs?: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The feed's JSON → LoadReport; undefined when it is not an object. */
export function pushedReport(data: string): LoadReport | undefined {
  let o: unknown;
  try {
    o = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (o === null || typeof o !== 'object') return undefined;
  const r = o as Record<string, unknown>;
  return {
    running: num(r.running),
    waiting: num(r.waiting),
    kvBlocksUsed: num(r.kvBlocksUsed),
    kvBlocksTotal: num(r.kvBlocksTotal),
    blockSize: num(r.blockSize),
    queuedPrefillTokens: num(r.queuedPrefillTokens),
  };
}

export class PushAdapter implements LoadAdapter {
  readonly kind = 'push';
  private readonly url: string;
  private readonly sink: ReportSink;
  private readonly timeoutMs: number;
  private running = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Connections opened so far (tests watch reconnects through it). */
  connections = 0;
  events = 0;

  constructor(opts: PushOptions) {
    this.url = opts.url;
    this.sink = opts.sink;
    this.timeoutMs = opts.timeoutMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (this.running) {
      const before = this.events;
      await this.subscribe();
      if (!this.running) break;
      this.sink.reportLost();
      if (this.events > before) backoff = MIN_BACKOFF_MS;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, backoff).unref();
      });
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  /** One connection, until it ends or fails. */
  private async subscribe(): Promise<void> {
    const abort = (this.abort = new AbortController());
    const parser = createParser({
      onEvent: (ev) => {
        const report = pushedReport(ev.data);
        if (report === undefined) return;
        this.events++;
        this.sink.report(report, this.sink.markSample());
      },
    });
    try {
      this.connections++;
      const res = await request(this.url, {
        method: 'GET',
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: 0, // a quiet feed is not a dead one; staleness is judged by report age
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return;
      }
      res.body.setEncoding('utf8');
      for await (const chunk of res.body) parser.feed(chunk as string);
    } catch {
      // Connection refused, reset or aborted: the loop decides whether to reconnect.
    }
  }
}
