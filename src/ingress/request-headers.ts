/** The headers the pipeline decides on, parsed once, before the body is read (../pipeline/request-context.ts). */
import type { IncomingHttpHeaders } from 'node:http';
import { PRIORITY_HEADER, parsePriority } from '../admission/priority.ts';
import { FAULT_HEADER, requestedFault } from '../outcome/internal-error.ts';
import { type RequestHeaders, TTFT_BUDGET_HEADER } from '../pipeline/request-context.ts';
import { STATUS_EVENTS_HEADER, wantsStatusEvents } from '../relay/status-events.ts';

export function readRequestHeaders(h: IncomingHttpHeaders, faultInjection: boolean): RequestHeaders {
  return {
    priority: parsePriority(h[PRIORITY_HEADER]),
    ttftBudgetMs: ttftBudget(h[TTFT_BUDGET_HEADER]),
    statusEvents: wantsStatusEvents(h[STATUS_EVENTS_HEADER]),
    fault: faultInjection ? requestedFault(h[FAULT_HEADER]) : undefined,
  };
}

function ttftBudget(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return n > 0 ? n : NaN;
}
