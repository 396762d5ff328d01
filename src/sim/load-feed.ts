/**
 * The engine's load, pushed to subscribers instead of scraped: a snapshot on every change, at most one per
 * `minIntervalMs` (the last change inside an interval is sent when it closes, so subscribers always end on the
 * truth). Subscribers are in-process listeners and SSE clients of GET /load/stream (`data: <json>\n\n`).
 */
import type { ServerResponse } from 'node:http';
import type { LoadSnapshot } from './scheduler-output.ts';

export interface LoadMessage extends LoadSnapshot {
  /** Increases by one per message: a gap means nothing (throttled), equal means duplicate. */
  seq: number;
  /** Wall clock (Date.now()) when the snapshot was taken, to measure staleness. */
  ts: number;
}

export type LoadListener = (m: LoadMessage) => void;

export class LoadFeed {
  private readonly read: () => LoadSnapshot;
  private readonly minIntervalMs: number;
  private readonly listeners = new Set<LoadListener>();
  private readonly streams = new Set<ServerResponse>();
  private last: LoadMessage;
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(read: () => LoadSnapshot, minIntervalMs: number) {
    this.read = read;
    this.minIntervalMs = minIntervalMs;
    this.last = { ...read(), seq: 0, ts: Date.now() };
  }

  /** The latest published message. */
  get latest(): LoadMessage {
    return this.last;
  }

  /** Something may have changed; publish now or when the interval allows. */
  changed(): void {
    if (this.timer !== null || this.closed) return;
    const wait = this.lastSentAt + this.minIntervalMs - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(this.flush, wait);
  }

  subscribe(listener: LoadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Serves an SSE subscriber: the current snapshot at once, then every change. */
  attach(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify(this.last)}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const res of this.streams) res.end();
    this.streams.clear();
    this.listeners.clear();
  }

  private readonly flush = (): void => {
    this.timer = null;
    const s = this.read();
    const l = this.last;
    if (
      s.running === l.running &&
      s.waiting === l.waiting &&
      s.kvBlocksUsed === l.kvBlocksUsed &&
      s.queuedPrefillTokens === l.queuedPrefillTokens
    ) {
      return;
    }
    this.lastSentAt = performance.now();
    const m: LoadMessage = { ...s, seq: l.seq + 1, ts: Date.now() };
    this.last = m;
    if (this.streams.size > 0) {
      const frame = `data: ${JSON.stringify(m)}\n\n`;
      for (const res of this.streams) res.write(frame);
    }
    for (const fn of this.listeners) fn(m);
  };
}
