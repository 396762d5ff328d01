/**
 * The page's live feed: GET /ui/events (server-sent events) and the 5-minute history behind it. One timer for
 * everything: at 1 s while no page is connected, taking the history's point and nothing else (so a page opened
 * later has its last 5 minutes); at `intervalMs` (250 ms) while one is, each tick's snapshot serialised once and
 * written to every client, every fourth kept in the history. A connecting client gets `event: history` first.
 * Clients are capped (`maxClients`); one that does not read its stream is skipped, never buffered without bound.
 */
import type { ServerResponse } from 'node:http';
import type { Snapshots } from './snapshot.ts';

export const HISTORY_STEP_MS = 1000;
const HISTORY_POINTS = 300;
const HEARTBEAT_MS = 15_000;
/** A client with this much unsent is skipped until it catches up. */
const MAX_PENDING_BYTES = 1 << 20;

export interface FeedOptions {
  snapshots: Snapshots;
  /** Snapshot period while a client is connected (default 250 ms: at most 4 a second). */
  intervalMs?: number;
  maxClients?: number;
}

export class Feed {
  private readonly snapshots: Snapshots;
  private readonly intervalMs: number;
  private readonly maxClients: number;
  private readonly clients = new Set<ServerResponse>();
  /** The history's points as JSON, a ring of HISTORY_POINTS; `next` is where the newest goes. */
  private readonly history: string[] = [];
  private next = 0;
  private lastPointAt = -Infinity;
  private lastPingAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private periodMs = 0;

  constructor(o: FeedOptions) {
    this.snapshots = o.snapshots;
    this.intervalMs = o.intervalMs ?? 250;
    this.maxClients = o.maxClients ?? 16;
  }

  /** Connected pages. */
  get size(): number {
    return this.clients.size;
  }

  /** The timer's period now: HISTORY_STEP_MS with no page connected, `intervalMs` with one; 0 when stopped. */
  get period(): number {
    return this.periodMs;
  }

  /** Starts the history (the gateway's listen). */
  start(): void {
    if (this.timer === undefined) this.schedule(HISTORY_STEP_MS);
  }

  /** Ends every stream and the timer (the gateway's shutdown). */
  close(): void {
    this.schedule(0);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** One snapshot now, as JSON (GET /ui/snapshot). */
  snapshotJson(): string {
    return JSON.stringify(this.snapshots.take());
  }

  /** Starts an event stream on `res`; false when `maxClients` are connected already (nothing written). */
  subscribe(res: ServerResponse): boolean {
    if (this.clients.size >= this.maxClients) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`event: history\ndata: {"stepMs":${HISTORY_STEP_MS},"points":[${this.points()}]}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.unsubscribe(res));
    if (this.clients.size === 1) {
      this.lastPingAt = Date.now();
      this.schedule(this.intervalMs);
    }
    this.tick(); // its first snapshot now, not a period later
    return true;
  }

  private unsubscribe(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0 && this.periodMs !== 0) this.schedule(HISTORY_STEP_MS);
  }

  private schedule(periodMs: number): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.periodMs = periodMs;
    if (periodMs === 0) return;
    this.timer = setInterval(tick, periodMs, this);
    this.timer.unref();
  }

  /** Runs on the timer: nothing may escape it. */
  tick(): void {
    let json: string;
    let t: number;
    try {
      const s = this.snapshots.take();
      t = s.t;
      json = JSON.stringify(s);
    } catch {
      return; // a snapshot that fails is skipped; the next tick tries again
    }
    // A point about every second (a tick may run a little early).
    if (t - this.lastPointAt >= HISTORY_STEP_MS - this.intervalMs / 2) {
      this.history[this.next] = json;
      this.next = (this.next + 1) % HISTORY_POINTS;
      this.lastPointAt = t;
    }
    if (this.clients.size === 0) return;
    const ping = t - this.lastPingAt >= HEARTBEAT_MS;
    if (ping) this.lastPingAt = t;
    const frame = `${ping ? ': ping\n\n' : ''}event: snapshot\ndata: ${json}\n\n`;
    for (const res of this.clients) if (res.writableLength < MAX_PENDING_BYTES) res.write(frame);
  }

  /** The history's points, oldest first, joined as JSON array items. */
  private points(): string {
    const h = this.history;
    return h.length < HISTORY_POINTS ? h.join(',') : [...h.slice(this.next), ...h.slice(0, this.next)].join(',');
  }
}

function tick(feed: Feed): void {
  feed.tick();
}
