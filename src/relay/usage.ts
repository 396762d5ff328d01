import type { ProxyRequest } from '../pipeline/proxy-request.ts';

const totalTokens = /"total_tokens"\s*:\s*(\d+)/;

/**
 * Tokens a finished request used, for tpm accounting: the upstream's `usage.total_tokens` when its response
 * ends with one (non-streaming bodies, and streams with `stream_options.include_usage`), else an estimate of
 * ~4 bytes per token of the request body. Only the last two chunks are searched, so this is O(chunk), not
 * O(response).
 */
export function usageTokens(pr: ProxyRequest): number {
  const tail = responseTail(pr);
  const m = tail === undefined ? null : totalTokens.exec(tail.toString('latin1'));
  return m !== null ? Number(m[1]) : Math.ceil(pr.bodyBytes / 4);
}

/** The last two body chunks of the relayed response, where an upstream's `usage` is. */
export function responseTail(pr: ProxyRequest): Buffer | undefined {
  return pr.prevTail === undefined ? pr.tail : Buffer.concat([pr.prevTail, pr.tail!]);
}
