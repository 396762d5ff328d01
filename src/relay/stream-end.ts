/**
 * Whether a relayed SSE stream ended properly: OpenAI-style streams (and vLLM, SGLang, llama.cpp's) close with
 * `data: [DONE]`. An upstream that closes the connection cleanly before it (a crash behind a proxy, a worker
 * restart) leaves a truncated answer that undici reports as a complete response. Looks only at the last two
 * chunks the pipeline keeps, so it costs O(1) per request.
 */
const DONE = Buffer.from('data: [DONE]');

/** Whether a response's content type is an SSE stream. */
export function isEventStream(type: string | string[] | undefined): boolean {
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

function isSpace(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09;
}

/** True when the stream's last bytes (`prevTail` then `tail`), trailing whitespace aside, are `data: [DONE]`. */
export function endsWithDone(tail: Buffer | undefined, prevTail: Buffer | undefined): boolean {
  if (tail === undefined) return false;
  let end = tail.length;
  while (end > 0 && isSpace(tail[end - 1])) end--;
  if (end >= DONE.length) return tail.compare(DONE, 0, DONE.length, end - DONE.length, end) === 0;
  // The marker may straddle the last two chunks (or the last chunk may be whitespace only).
  if (prevTail === undefined) return false;
  const joined = Buffer.concat([
    prevTail.subarray(Math.max(0, prevTail.length - DONE.length - 16)),
    tail.subarray(0, end),
  ]);
  let j = joined.length;
  while (j > 0 && isSpace(joined[j - 1])) j--;
  return j >= DONE.length && joined.compare(DONE, 0, DONE.length, j - DONE.length, j) === 0;
}
