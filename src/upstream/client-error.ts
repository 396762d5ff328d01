/**
 * What an upstream's 4xx says about the request, for the fallbacks that depend on it. The texts are the
 * engines' own: vLLM answers 400 "This model's maximum context length is N tokens. However, you requested ..."
 * (older releases: "The decoder prompt (length N) is longer than the maximum model length of M"), OpenAI
 * `code: context_length_exceeded`; a content policy is OpenAI's `content_policy_violation` or Azure's
 * `content_filter`.
 */

export type ClientErrorKind = 'context_window' | 'content_policy' | undefined;

/** The statuses whose body is read before anything reaches the client, when the group has such fallbacks. */
export function judgedStatus(status: number): boolean {
  return status === 400 || status === 413 || status === 422;
}

const CONTEXT_WINDOW = /maximum context length|longer than the maximum model length|context_length_exceeded/i;
const CONTENT_POLICY = /content_policy_violation|content_filter|content management policy/i;

export function clientErrorKind(status: number, body: string): ClientErrorKind {
  if (!judgedStatus(status)) return undefined;
  if (CONTEXT_WINDOW.test(body)) return 'context_window';
  if (CONTENT_POLICY.test(body)) return 'content_policy';
  return undefined;
}
