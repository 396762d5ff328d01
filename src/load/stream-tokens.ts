/**
 * What the load model reads from a relayed response, cheaply, without parsing its JSON:
 * - tokens streamed: one per SSE `data: {` event (engines such as vLLM send one token per event; the
 *   finish and usage events add two per request, which release() drops with the rest);
 * - usage.prompt_tokens from the response's last bytes, to calibrate the token estimate.
 * An event split across two network chunks may be missed or not: a token more or less until release.
 */
const DATA_EVENT = Buffer.from('data: {');
const promptTokens = /"prompt_tokens"\s*:\s*(\d+)/;

/** Number of SSE data events carrying a JSON object in `chunk`. */
export function sseDataEvents(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(DATA_EVENT); at >= 0; at = chunk.indexOf(DATA_EVENT, at + DATA_EVENT.length)) n++;
  return n;
}

/** usage.prompt_tokens in the tail of a response (non-streamed body, or a stream with include_usage), if any. */
export function usagePromptTokens(tail: Buffer | undefined): number | undefined {
  if (tail === undefined) return undefined;
  const m = promptTokens.exec(tail.toString('latin1'));
  return m === null ? undefined : Number(m[1]);
}
