/**
 * Retry-After from the backlog a refused request would have had to wait behind, at the measured drain rate:
 *
 *   retry_after = clamp(backlog / drain_rate, min, max)
 *
 * It is a forecast of when room is likely, so a client that honours it (the official OpenAI SDKs read
 * `retry-after-ms`) comes back about when it can be served instead of hammering the gateway. With no rate
 * measured yet nothing has drained recently, and the honest answer is the upper bound.
 */

export interface RetryAfterBounds {
  minMs: number;
  maxMs: number;
}

export function retryAfterMs(backlog: number, drainPerMs: number, b: RetryAfterBounds): number {
  if (!(drainPerMs > 0)) return b.maxMs;
  const ms = Math.max(1, backlog) / drainPerMs;
  return Math.round(Math.min(b.maxMs, Math.max(b.minMs, ms)));
}
