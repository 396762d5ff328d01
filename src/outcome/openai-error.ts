import type { ClientResponse } from './client-response.ts';
import { errorDialectOf } from './error-dialect.ts';

/** The body every OpenAI-compatible API returns on error. */
export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** Client input echoed in an error message is cut to `max` characters: a 900 KB model name must not come back whole. */
export function clipEcho(s: string, max = 256): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

export function errorJson(e: OpenAIErrorBody): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

/**
 * Writes an error in the dialect of the response's route (./error-dialect.ts: OpenAI's unless the ingress
 * tagged it, e.g. Anthropic's on /v1/messages). `retryAfterMs` sets both `Retry-After` (whole seconds, rounded
 * up, as HTTP wants) and `retry-after-ms` (which the official OpenAI and Anthropic SDKs read first).
 */
export function sendError(
  res: ClientResponse,
  status: number,
  e: OpenAIErrorBody,
  retryAfterMs?: number,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const dialect = errorDialectOf(res);
  const sent = dialect.status(status);
  const body = dialect.body(sent, e);
  res.statusCode = sent;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  if (retryAfterMs !== undefined) setRetryAfter(res, retryAfterMs);
  if (extraHeaders) for (const k in extraHeaders) res.setHeader(k, extraHeaders[k]);
  res.end(body);
}

export function setRetryAfter(res: ClientResponse, ms: number): void {
  const clamped = Math.max(0, Math.round(ms));
  res.setHeader('retry-after', String(Math.max(1, Math.ceil(clamped / 1000))));
  res.setHeader('retry-after-ms', String(clamped));
}
