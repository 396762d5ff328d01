/**
 * The soak's good traffic: small chat requests at a fixed rate (seeded Poisson or constant arrivals, open loop, so
 * a stalled gateway cannot slow the offered load down), spread over the model groups, half of them streamed.
 * Each request's record says how it ended, when, on which deployment (x-spillway-deployment), and its TTFT and
 * time per output token, for the report's attribution and SLA figures.
 */
import { Pool } from 'undici';
import { seededRandom } from '../../util/random.ts';
import { type ArrivalKind, arrivalGaps } from '../arrivals.ts';
import { errorKind } from '../request.ts';
import { SseTokenScanner } from '../sse.ts';

export interface GoodRecord {
  /** ms from the start of good traffic. */
  startMs: number;
  endMs: number;
  group: string;
  stream: boolean;
  /** 0 when no response head came. */
  status: number;
  ok: boolean;
  /** Why it failed: `http_<status>:<code>`, `incomplete_stream`, `stream_error`, or a connection error kind. */
  error?: string;
  ttftMs: number;
  /** (last token - first token) / (tokens - 1); NaN for fewer than two tokens. */
  tpotMs: number;
  deployment?: string;
}

export interface TrafficOptions {
  url: string;
  groups: readonly string[];
  rate: number;
  arrival: ArrivalKind;
  seed: number;
  timeoutMs: number;
  maxTokens: number;
  now: () => number;
}

export class GoodTraffic {
  readonly records: GoodRecord[] = [];
  private readonly o: TrafficOptions;
  private readonly pool: Pool;
  private readonly random;
  private inFlight = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private resolveIdle: (() => void) | undefined;

  constructor(o: TrafficOptions) {
    this.o = o;
    this.random = seededRandom(o.seed);
    this.pool = new Pool(o.url, { connections: 512, keepAliveTimeout: 10_000 });
  }

  /** Sends on schedule until `untilMs` (on the shared clock). */
  start(untilMs: number): void {
    const gap = arrivalGaps(this.o.arrival, this.o.rate, this.random);
    let due = this.o.now();
    const fire = () => {
      const now = this.o.now();
      while (due <= now && due < untilMs) {
        this.send();
        due += gap();
      }
      if (due < untilMs && !this.stopped) this.timer = setTimeout(fire, due - now);
      else {
        this.stopped = true;
        if (this.inFlight === 0) this.resolveIdle?.();
      }
    };
    fire();
  }

  /** Resolves once arrivals are over and every request has ended. */
  async drained(): Promise<void> {
    while (!this.stopped || this.inFlight > 0) await new Promise<void>((r) => (this.resolveIdle = r));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.stopped = true;
    if (!this.pool.destroyed) await this.pool.destroy();
  }

  private send(): void {
    const n = this.records.length;
    const group = this.o.groups[Math.floor(this.random() * this.o.groups.length)];
    const stream = this.random() < 0.5;
    const rec: GoodRecord = {
      startMs: this.o.now(),
      endMs: NaN,
      group,
      stream,
      status: 0,
      ok: false,
      ttftMs: NaN,
      tpotMs: NaN,
    };
    this.records.push(rec);
    this.inFlight++;
    const body = JSON.stringify({
      model: group,
      messages: [{ role: 'user', content: `Chaos soak request ${n}: say something short about rivers and spillways.` }],
      max_tokens: this.o.maxTokens,
      ...(stream && { stream: true, stream_options: { include_usage: true } }),
    });
    void this.exchange(rec, body).finally(() => {
      rec.endMs = this.o.now();
      this.inFlight--;
      if (this.inFlight === 0) this.resolveIdle?.();
    });
  }

  private async exchange(rec: GoodRecord, body: string): Promise<void> {
    const t0 = performance.now();
    try {
      const r = await this.pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: this.o.timeoutMs,
        bodyTimeout: this.o.timeoutMs,
      });
      rec.status = r.statusCode;
      const dep = r.headers['x-spillway-deployment'];
      if (typeof dep === 'string') rec.deployment = dep;
      if (r.statusCode !== 200) {
        rec.error = `http_${r.statusCode}:${errorCode(await r.body.text()) ?? 'unknown'}`;
        return;
      }
      if (!rec.stream) {
        const text = await r.body.text();
        rec.ttftMs = performance.now() - t0;
        rec.ok = isCompletion(text);
        if (!rec.ok) rec.error = 'bad_body';
        return;
      }
      const scanner = new SseTokenScanner();
      let tokens = 0;
      let tFirst = 0;
      let tLast = 0;
      for await (const chunk of r.body) {
        const k = scanner.push(chunk as Buffer);
        if (k === 0) continue;
        tLast = performance.now();
        if (tokens === 0) tFirst = tLast;
        tokens += k;
      }
      if (tokens > 0) rec.ttftMs = tFirst - t0;
      if (tokens > 1) rec.tpotMs = (tLast - tFirst) / (tokens - 1);
      if (scanner.errorPayload !== undefined) rec.error = 'stream_error';
      else if (!scanner.done || tokens === 0) rec.error = 'incomplete_stream';
      rec.ok = rec.error === undefined;
    } catch (err) {
      rec.error = errorKind(err as Error);
    }
  }
}

/** The `error.code` of an OpenAI-shaped error body; undefined when there is none (or the body was cut short). */
export function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function isCompletion(text: string): boolean {
  try {
    const v = JSON.parse(text) as { choices?: unknown };
    return Array.isArray(v.choices) && v.choices.length > 0;
  } catch {
    return false;
  }
}
