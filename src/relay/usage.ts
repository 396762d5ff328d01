const totalTokens = /"total_tokens"\s*:\s*(\d+)/;

/**
 * Tokens a completed request used, for tpm accounting: the upstream's `usage.total_tokens` when its response
 * ends with one (non-streaming bodies, and streams with `stream_options.include_usage`), else the request
 * body's bytes ÷ 4. That fallback counts the prompt (JSON included) and none of the output, so a stream
 * without include_usage is undercounted by all the tokens it streamed. Only the last two chunks are searched
 * (`tail`: ./usage.ts responseTail), so this is O(chunk), not O(response). Failed, cut and abandoned attempts
 * add nothing (src/pipeline/proxy.ts).
 */
export function usageTokens(tail: Buffer | undefined, bodyBytes: number): number {
  const m = tail === undefined ? null : totalTokens.exec(tail.toString('latin1'));
  return m !== null ? Number(m[1]) : Math.ceil(bodyBytes / 4);
}

/** The last two body chunks of the relayed response, where an upstream's `usage` is. */
export function responseTail(tail: Buffer | undefined, prevTail: Buffer | undefined): Buffer | undefined {
  return prevTail === undefined ? tail : Buffer.concat([prevTail, tail!]);
}

const completionTokens = /"completion_tokens"\s*:\s*(\d+)/;

/** usage.completion_tokens in the tail of a response (as ../load/stream-tokens.ts reads prompt_tokens), if any. */
export function usageCompletionTokens(tail: Buffer | undefined): number | undefined {
  if (tail === undefined) return undefined;
  const m = completionTokens.exec(tail.toString('latin1'));
  return m === null ? undefined : Number(m[1]);
}
