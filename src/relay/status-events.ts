/**
 * Opt-in status events on streams (`x-spillway-status-events: 1`): while a request waits in the router queue
 * the client gets SSE comment lines,
 *
 *   : queued position=3 eta_ms=420
 *   : dispatched engine=e2
 *
 * A line starting with ':' is a comment in the SSE format (WHATWG HTML, "server-sent events"): every SSE
 * parser, the official OpenAI SDKs' included, skips it. The price of opting in is that the 200 head goes out
 * before an engine is chosen, so a later refusal (the deadline passing in the queue) arrives as an SSE error
 * event, `data: {"error": {...}}`, which the SDKs raise as an APIError.
 */
import type { ClientResponse } from '../outcome/client-response.ts';
import { errorJson, type OpenAIErrorBody } from '../outcome/openai-error.ts';

export const STATUS_EVENTS_HEADER = 'x-spillway-status-events';

export function wantsStatusEvents(value: string | string[] | undefined): boolean {
  return value === '1' || value === 'true';
}

/** Sends the stream's head ahead of the upstream's. */
export function openEventStream(res: ClientResponse, requestId: string): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': requestId,
    [STATUS_EVENTS_HEADER]: '1',
  });
}

export function writeQueued(res: ClientResponse, position: number, etaMs: number): void {
  res.write(
    `: queued position=${position}${etaMs === etaMs && etaMs !== Infinity ? ` eta_ms=${Math.round(etaMs)}` : ''}\n\n`,
  );
}

export function writeDispatched(res: ClientResponse, engine: string): void {
  res.write(`: dispatched engine=${engine}\n\n`);
}

/** A refusal after the head went out: one SSE error event, then the end of the stream. */
export function endWithErrorEvent(res: ClientResponse, e: OpenAIErrorBody): void {
  res.end(`data: ${errorJson(e)}\n\n`);
}
