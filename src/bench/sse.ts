/**
 * Counts output tokens in an OpenAI-style SSE stream as it arrives, without parsing every event's JSON.
 * Hand-written because a generator that must drive thousands of streams a second cannot afford JSON.parse per
 * chunk, and only three facts matter: does this event carry content, does it carry usage, is it [DONE].
 * Chunks are decoded as latin1 so a multi-byte character split across TCP chunks cannot corrupt the markers.
 */

export class SseTokenScanner {
  private pending = '';
  done = false;
  /** usage.completion_tokens when the stream reported it, else -1. */
  usageTokens = -1;
  /** Set when an event carried an error object instead of a completion chunk. */
  errorPayload: string | undefined;

  /** Feeds one network chunk; returns how many content events it completed. */
  push(chunk: Buffer): number {
    const text = this.pending + chunk.toString('latin1');
    let tokens = 0;
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      if (text.startsWith('data:', from)) tokens += this.dataLine(text.slice(from + 5, nl).trim());
      from = nl + 1;
    }
    this.pending = from === 0 ? text : text.slice(from);
    return tokens;
  }

  private dataLine(payload: string): number {
    if (payload === '[DONE]') {
      this.done = true;
      return 0;
    }
    if (payload.startsWith('{"error"') || payload.startsWith('{ "error"')) {
      this.errorPayload ??= payload;
      return 0;
    }
    const u = payload.indexOf('"completion_tokens":');
    if (u >= 0) this.usageTokens = parseInt(payload.slice(u + 20).trimStart(), 10);
    return hasText(payload, '"content":') || hasText(payload, '"text":') ? 1 : 0;
  }
}

/** True when `key` is followed by a non-empty JSON string (not null, not ""). */
export function hasText(payload: string, key: string): boolean {
  let k = payload.indexOf(key);
  while (k >= 0) {
    let j = k + key.length;
    while (payload.charCodeAt(j) === 32) j++;
    if (payload.charCodeAt(j) === 34 /* " */ && payload.charCodeAt(j + 1) !== 34) return true;
    k = payload.indexOf(key, j);
  }
  return false;
}

/** usage.completion_tokens from a whole (non-streamed) response body, or -1. */
export function completionTokens(body: string): number {
  const u = body.lastIndexOf('"completion_tokens":');
  if (u < 0) return -1;
  const n = parseInt(body.slice(u + 20, u + 40).trimStart(), 10);
  return Number.isFinite(n) ? n : -1;
}
