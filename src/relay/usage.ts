import type { ProxyRequest } from '../pipeline/proxy-request.ts';

const totalTokens = /"total_tokens"\s*:\s*(\d+)/;

/**
 * Tokens a completed request used, for tpm accounting: the upstream's `usage.total_tokens` when its response
 * ends with one (non-streaming bodies, and streams with `stream_options.include_usage`), else the request
 * body's bytes ÷ 4. That fallback counts the prompt (JSON included) and none of the output, so a stream
 * without include_usage is undercounted by all the tokens it streamed. Only the last two chunks are searched,
 * so this is O(chunk), not O(response). Failed, cut and abandoned attempts add nothing (proxy.ts).
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
