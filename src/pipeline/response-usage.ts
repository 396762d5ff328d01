/**
 * The tokens a whole response used, read once from what the relay kept: the usage event the gateway stripped
 * (../relay/usage-strip.ts), else the upstream's `usage` object in the response's last two chunks. Without
 * either the prompt is estimated as tpm does (body bytes ÷ 4) and the output is not counted (`reported` false).
 *
 * Every 2xx response is read, so the read is cheap: the last `"usage"` key is found in the bytes (the last
 * chunk, else the one before), and only the text from there to its object's first `}` is decoded and matched.
 * A key split across the two chunks is missed (read as no usage).
 */
import type { ProxyRequest } from './proxy-request.ts';

export interface TokenUsage {
  prompt: number;
  completion: number;
  /** The upstream said so (else the prompt is an estimate and the completion 0). */
  reported: boolean;
}

const USAGE = Buffer.from('"usage"');
/**
 * The counts come before the first `}` after the key (OpenAI and vLLM put the `*_details` objects after them);
 * without one in this many bytes, this many are read.
 */
const USAGE_SPAN = 1024;
const promptTokens = /"prompt_tokens"\s*:\s*(\d+)/;
const completionTokens = /"completion_tokens"\s*:\s*(\d+)/;

/** Writes `pr`'s response usage into `out` (each caller keeps one, so nothing is allocated per request). */
export function readResponseUsage(pr: ProxyRequest, out: TokenUsage): TokenUsage {
  const s = pr.stripper;
  if (s !== undefined && s.promptTokens !== -1) {
    out.prompt = s.promptTokens;
    out.completion = s.completionTokens;
    out.reported = true;
    return out;
  }
  const text = usageText(pr.tail, pr.prevTail);
  const prompt = text === undefined ? null : promptTokens.exec(text);
  const completion = text === undefined ? null : completionTokens.exec(text);
  out.reported = prompt !== null || completion !== null;
  out.prompt = prompt === null ? Math.ceil(pr.ctx.bodyBytes / 4) : Number(prompt[1]);
  out.completion = completion === null ? 0 : Number(completion[1]);
  return out;
}

/**
 * How far back from a response's end its usage is looked for. OpenAI and vLLM write `usage` last, or followed
 * by a few short fields, in a JSON body and in a stream's last event before `data: [DONE]`; a search bounded
 * so costs the same whatever the chunk's size (a whole stream can arrive as one chunk, and an unbounded
 * backward search of it was ~3 % of the gateway's CPU on a 16-chunk stream).
 */
const SEARCH_BACK = 4096;

/** The text from the response's last `"usage"` key on (at most USAGE_SPAN bytes of each chunk), if it has one. */
function usageText(tail: Buffer | undefined, prevTail: Buffer | undefined): string | undefined {
  if (tail === undefined) return undefined;
  const from = tail.length > SEARCH_BACK ? tail.length - SEARCH_BACK : 0;
  const at = lastUsage(tail, from);
  if (at !== -1) return tail.toString('latin1', at, objectEnd(tail, at));
  if (prevTail === undefined || from > 0) return undefined;
  const before = lastUsage(prevTail, Math.max(0, prevTail.length - (SEARCH_BACK - tail.length)));
  if (before === -1) return undefined;
  return prevTail.toString('latin1', before, objectEnd(prevTail, before)) + tail.toString('latin1', 0, USAGE_SPAN);
}

/** The last `"usage"` in `buf` at or after `from`; -1 when none. */
function lastUsage(buf: Buffer, from: number): number {
  const at = (from === 0 ? buf : buf.subarray(from)).lastIndexOf(USAGE);
  return at === -1 ? -1 : at + from;
}

function objectEnd(buf: Buffer, at: number): number {
  const close = buf.indexOf(0x7d /* } */, at);
  return close === -1 || close - at > USAGE_SPAN ? at + USAGE_SPAN : close + 1;
}
