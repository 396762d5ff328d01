import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// Upstream headers worth passing to the client. An allowlist, not a denylist: hop-by-hop headers, cookies and
// the upstream's own request ids must not leak through the gateway.
const forwarded = new Set([
  'content-type',
  'content-length',
  'cache-control',
  'openai-processing-ms',
  'openai-version',
]);

export function clientHeaders(upstream: IncomingHttpHeaders, out: OutgoingHttpHeaders): OutgoingHttpHeaders {
  for (const name in upstream) {
    if (forwarded.has(name) || name.startsWith('x-ratelimit-')) out[name] = upstream[name];
  }
  return out;
}

/**
 * Parses an upstream Retry-After / retry-after-ms into milliseconds (seconds or an HTTP date), at most `capMs`
 * (spillway.cooldown.retry_after_cap_ms): the one value that both cooldowns and the client's answer use, so an
 * upstream cannot keep a deployment out, or a client away, for longer than the operator allows.
 */
export function retryAfterMs(h: IncomingHttpHeaders, nowEpochMs: number, capMs: number): number | undefined {
  const ms = h['retry-after-ms'];
  if (typeof ms === 'string' && ms !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.min(n, capMs);
  }
  const ra = h['retry-after'];
  if (typeof ra !== 'string' || ra === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return secs >= 0 ? Math.min(secs * 1000, capMs) : undefined;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - nowEpochMs), capMs);
}
