/**
 * How an error reaches a client: OpenAI's `{"error":{message,type,param,code}}` by default, or, on the
 * Anthropic-shaped `/v1/messages`, Anthropic's `{"type":"error","error":{type,message}}` with the status its SDK
 * maps to a typed error (docs/ERRORS.md, "Anthropic-shaped errors"). The ingress tags a response with its
 * route's dialect once; `sendError` (./openai-error.ts) reads the tag, so no writer below needs to know.
 */
import type { ClientResponse } from './client-response.ts';

export interface ErrorFields {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface ErrorDialect {
  /** The status the client is sent for the gateway's `status`. */
  status(status: number): number;
  /** The body, for the status the client is sent. */
  body(sentStatus: number, e: ErrorFields): string;
}

export const OPENAI_ERRORS: ErrorDialect = {
  status: (status) => status,
  body: (_status, e) => JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } }),
};

/**
 * Anthropic's error types by the status it sends them with. The SDK picks its error class by status alone
 * (@anthropic-ai/sdk core/error.ts: 429 RateLimitError, 529 OverloadedError, 503 ServiceUnavailableError, any
 * other 5xx InternalServerError) and retries 408, 409, 429 and 5xx after `retry-after-ms` or `Retry-After`.
 */
const anthropicTypes = new Map<number, string>([
  [400, 'invalid_request_error'],
  [401, 'authentication_error'],
  [402, 'billing_error'],
  [403, 'permission_error'],
  [404, 'not_found_error'],
  [413, 'request_too_large'],
  [429, 'rate_limit_error'],
  [500, 'api_error'],
  [504, 'timeout_error'],
  [529, 'overloaded_error'],
]);

export const ANTHROPIC_ERRORS: ErrorDialect = {
  // Every 503 of the gateway (back pressure's refusals, upstreams overloaded, cooling down, draining) says
  // "come back later": Anthropic says that with 529, which its SDK raises as OverloadedError.
  status: (status) => (status === 503 ? 529 : status),
  body(status, e) {
    const type = anthropicTypes.get(status) ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    // `code` is Spillway's own (docs/ERRORS.md), beside the two fields Anthropic's clients read.
    return JSON.stringify({ type: 'error', error: { type, message: e.message, code: e.code } });
  },
};

const kDialect = Symbol('spillway.errorDialect');
type Tagged = ClientResponse & { [kDialect]?: ErrorDialect };

/** Tags `res` so that errors sent on it take `dialect`'s shape. Untagged responses get OpenAI's. */
export function setErrorDialect(res: ClientResponse, dialect: ErrorDialect): void {
  if (dialect !== OPENAI_ERRORS) (res as Tagged)[kDialect] = dialect;
}

export function errorDialectOf(res: ClientResponse): ErrorDialect {
  return (res as Tagged)[kDialect] ?? OPENAI_ERRORS;
}
