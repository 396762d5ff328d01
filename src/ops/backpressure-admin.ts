/**
 * GET/PUT /admin/backpressure (master key required): reads and changes back-pressure thresholds at run time.
 * GET answers the current thresholds (`settings`, in the PUT shape) and live state (`state`: in-flight, queue,
 * drain rate, KV budget inputs, each engine's state and limit). PUT takes a partial `settings` object,
 * validates it whole, applies it whole and answers like GET; a 400 lists every problem and changes nothing.
 * A worker of `serve --workers N` answers for the whole gateway instead (src/cli/workers/ops-relay.ts).
 * Off the hot path: closures and a buffered body are fine here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../outcome/openai-error.ts';
import type { BackPressure } from '../pipeline/backpressure/controller.ts';
import { applySettings, snapshot } from '../pipeline/backpressure/settings.ts';
import { sendJson } from './json-response.ts';
import { readSmallBody } from './small-body.ts';

const MAX_BODY = 64 * 1024;

function invalid(res: ServerResponse, message: string): void {
  sendError(res, 400, { message, type: 'invalid_request_error', param: null, code: 'invalid_request' });
}

/** Writes the answer to a GET, and to a PUT once applied. */
export type BackpressureAnswer = (bp: BackPressure, res: ServerResponse) => void;

export interface BackpressureAdminOptions {
  /** Told the settings a PUT applied (the other workers of a process apply them too). */
  applied?: (settings: unknown) => void;
  /** Default: this process's settings and live state (`snapshot`). */
  answer?: BackpressureAnswer;
}

function ownSnapshot(bp: BackPressure, res: ServerResponse): void {
  sendJson(res, 200, snapshot(bp));
}

export function backpressureAdmin(
  bp: BackPressure,
  o: BackpressureAdminOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = o.answer ?? ownSnapshot;
  return (req, res) => {
    if (req.method === 'GET') return answer(bp, res);
    readSmallBody(req, MAX_BODY, (bytes) => {
      if (bytes === undefined) return invalid(res, `The body exceeds ${MAX_BODY} bytes.`);
      let body: unknown;
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        return invalid(res, `The body is not valid JSON: ${(err as Error).message}.`);
      }
      const settings =
        body !== null && typeof body === 'object' && 'settings' in body
          ? (body as { settings: unknown }).settings
          : body;
      const issues = applySettings(bp, settings);
      if (issues.length > 0) return invalid(res, `Nothing changed: ${issues.join('; ')}.`);
      o.applied?.(settings);
      answer(bp, res);
    });
  };
}
