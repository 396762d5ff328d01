/**
 * How a back-pressure refusal reaches the client: the outcome's OpenAI-shaped error with the configured
 * overload status (503, or 429), `Retry-After` + `retry-after-ms`, and `x-spillway-rejected-by`; as an SSE
 * error event when status events already sent the stream's head.
 */
import type { ClientResponse } from '../../outcome/client-response.ts';
import { sendError } from '../../outcome/openai-error.ts';
import { type Outcome, type OverloadOutcome, outcomes, rejectedBy } from '../../outcome/outcomes.ts';
import { endWithErrorEvent } from '../../relay/status-events.ts';

export const REJECTED_BY_HEADER = 'x-spillway-rejected-by';

/** A decision not to serve a request, with what the client is told. */
export interface Refusal {
  outcome: Exclude<Outcome, 'upstream_response'>;
  message: string;
  retryAfterMs?: number;
  param?: string;
}

export function isOverload(outcome: Outcome): outcome is OverloadOutcome {
  return outcome in rejectedBy;
}

/** The status a refusal is answered with. */
export function refusalStatus(outcome: Outcome, overloadStatus: number): number {
  return isOverload(outcome) ? overloadStatus : outcomes[outcome].status;
}

/** Writes the refusal; returns the status the request is counted with. */
export function sendRefusal(res: ClientResponse, r: Refusal, overloadStatus: number, headSent: boolean): number {
  const o = outcomes[r.outcome];
  const status = refusalStatus(r.outcome, overloadStatus);
  const body = { message: r.message, type: o.type, param: r.param ?? null, code: o.code };
  if (headSent) {
    if (!res.writableEnded) endWithErrorEvent(res, body);
    return status;
  }
  if (isOverload(r.outcome)) res.setHeader(REJECTED_BY_HEADER, rejectedBy[r.outcome]);
  sendError(res, status, body, r.retryAfterMs);
  return status;
}
