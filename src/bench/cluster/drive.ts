/**
 * Closed-loop clients spread evenly over several gateways (the cluster scenarios' load): `perUrl` loops per
 * gateway, each sending the next request when the last one ends, until a wall-clock time. Counts answers by
 * status, 429s without Retry-After, failures that are neither a success nor a limit's refusal, and successes
 * by the clock minute their request was sent in (the minute a shared rpm window counts them in).
 */
import { Pool } from 'undici';
import { clockMinute, msToNextClockMinute } from '../../util/fixed-window.ts';

export interface DriveOptions {
  urls: readonly string[];
  perUrl: number;
  body: string;
  /** Wall-clock ms after which no new request is sent. */
  untilWallMs: number;
  /** Think time between a loop's requests, ms (0: none). */
  thinkMs?: number;
}

export interface DriveResult {
  requests: number;
  successes: number;
  byStatus: Record<string, number>;
  rejected429: number;
  /** 429s without a Retry-After header. */
  missingRetryAfter: number;
  /** Neither 2xx nor 429: answers and connection errors a limit does not explain. */
  otherFailures: number;
  /** Successes by the clock minute (wall ms / 60,000) their request was sent in. */
  successesByMinute: Record<string, number>;
  /**
   * Of those, the ones answered after that minute ended: the gateway took each somewhere between sending and
   * answer, so its count for the minute lies between successesByMinute − this and successesByMinute.
   */
  crossingByMinute: Record<string, number>;
}

export function emptyDrive(): DriveResult {
  return {
    requests: 0,
    successes: 0,
    byStatus: {},
    rejected429: 0,
    missingRetryAfter: 0,
    otherFailures: 0,
    successesByMinute: {},
    crossingByMinute: {},
  };
}

export async function drive(o: DriveOptions): Promise<DriveResult> {
  const r = emptyDrive();
  const pools = o.urls.map((u) => new Pool(u, { connections: o.perUrl }));
  const headers = { 'content-type': 'application/json' };
  const loop = async (pool: Pool) => {
    while (Date.now() < o.untilWallMs) {
      const sentAt = Date.now();
      let status = 'error';
      let retryAfter: unknown;
      try {
        const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: o.body });
        await res.body.dump();
        status = String(res.statusCode);
        retryAfter = res.headers['retry-after'];
      } catch {
        // A refused or reset connection: counted as an 'error' status below.
      }
      count(r, status, retryAfter, sentAt, Date.now());
      if (o.thinkMs) await new Promise((resolve) => setTimeout(resolve, o.thinkMs));
    }
  };
  try {
    await Promise.all(pools.flatMap((p) => Array.from({ length: o.perUrl }, () => loop(p))));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return r;
}

function count(r: DriveResult, status: string, retryAfter: unknown, sentAt: number, answeredAt: number): void {
  r.requests++;
  r.byStatus[status] = (r.byStatus[status] ?? 0) + 1;
  if (status.startsWith('2')) {
    r.successes++;
    const minute = String(clockMinute(sentAt));
    r.successesByMinute[minute] = (r.successesByMinute[minute] ?? 0) + 1;
    if (clockMinute(answeredAt) > Number(minute)) r.crossingByMinute[minute] = (r.crossingByMinute[minute] ?? 0) + 1;
  } else if (status === '429') {
    r.rejected429++;
    if (retryAfter === undefined) r.missingRetryAfter++;
  } else r.otherFailures++;
}

/** A short chat request for `model`. */
export function chatBody(model: string, maxTokens = 16, stream = false): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello to the cluster benchmark.' }],
    max_tokens: maxTokens,
    stream,
  });
}

/** Until the next clock minute starts when fewer than `needS` seconds of this one are left; resolves the minute. */
export async function minuteWithRoom(needS: number): Promise<number> {
  const now = Date.now();
  const left = msToNextClockMinute(now);
  if (left >= needS * 1000) return clockMinute(now);
  await new Promise((resolve) => setTimeout(resolve, left + 5));
  return clockMinute(Date.now());
}
