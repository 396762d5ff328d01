/** The headers the pipeline decides on, parsed once, before the body is read (../pipeline/request-context.ts). */
import type { IncomingHttpHeaders } from 'node:http';
import { PRIORITY_HEADER, type Priority, parsePriority } from '../admission/priority.ts';
import { FAULT_HEADER, requestedFault } from '../outcome/internal-error.ts';
import { type RequestHeaders, TTFT_BUDGET_HEADER } from '../pipeline/request-context.ts';
import { STATUS_EVENTS_HEADER, wantsStatusEvents } from '../relay/status-events.ts';
import { cappedPriority } from '../tenants/tenant.ts';
import type { Tenant } from '../tenants/types.ts';

/** LiteLLM's header for a request's routing tags (src/routing/tag-pool.ts). */
const TAGS_HEADER = 'x-litellm-tags';

/** `tenant`: the key's, whose class caps the header's (it may lower the class, never raise it). */
export function readRequestHeaders(h: IncomingHttpHeaders, faultInjection: boolean, tenant?: Tenant): RequestHeaders {
  return {
    priority: priorityOf(parsePriority(h[PRIORITY_HEADER]), tenant),
    ttftBudgetMs: ttftBudget(h[TTFT_BUDGET_HEADER]),
    statusEvents: wantsStatusEvents(h[STATUS_EVENTS_HEADER]),
    fault: faultInjection ? requestedFault(h[FAULT_HEADER]) : undefined,
    traceparent: traceparent(h.traceparent),
    tagsHeader: oneValue(h[TAGS_HEADER]),
  };
}

/** version-traceid-parentid-flags, lowercase hex (W3C Trace Context); anything else is dropped. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

function traceparent(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}

function priorityOf(requested: Priority | -1, tenant: Tenant | undefined): Priority | -1 {
  return requested === -1 || tenant === undefined ? requested : cappedPriority(requested, tenant.maxPriority);
}

function ttftBudget(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return n > 0 ? n : NaN;
}

function oneValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
