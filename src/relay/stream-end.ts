/**
 * Whether a relayed SSE stream ended properly. An upstream that closes the connection cleanly before its last
 * event (a crash behind a proxy, a worker restart) leaves a truncated answer that undici reports as a complete
 * response, which the relay cuts instead. How a stream ends is a value per endpoint (`streamEnds`):
 * - chat and completions close with `data: [DONE]` (OpenAI, vLLM, SGLang, llama.cpp): judged from the last two
 *   chunks the pipeline keeps, O(1) per request;
 * - the Responses API's last event is `response.completed` (or `.failed`, `.incomplete`), the Messages API's
 *   `message_stop`, and neither sends [DONE]. Their last event repeats the whole output, so it may span more
 *   than two chunks: each chunk is scanned for the event's type as a JSON string as it passes (`"message_stop"`;
 *   within a text, the quotes would be escaped).
 */
import type { Endpoint } from '../config/types.ts';

export interface StreamEnd {
  /** Whether chunks are scanned (`marks`) as they pass. */
  readonly scans: boolean;
  /** Whether `chunk`, following `prev`, holds the stream's last event. */
  marks(chunk: Buffer, prev: Buffer | undefined): boolean;
  /** At the stream's end: whether it ended as its protocol says. `marked`: some chunk was marked. */
  whole(tail: Buffer | undefined, prevTail: Buffer | undefined, marked: boolean): boolean;
}

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

const DONE_LINE: StreamEnd = {
  scans: false,
  marks: () => false,
  whole: (tail, prevTail) => endsWithDone(tail, prevTail),
};

/** A stream that ends with an event holding one of `markers`. */
class LastEvent implements StreamEnd {
  readonly scans = true;
  private readonly markers: Buffer[];
  constructor(markers: readonly string[]) {
    this.markers = markers.map((m) => Buffer.from(m));
  }
  marks(chunk: Buffer, prev: Buffer | undefined): boolean {
    for (const m of this.markers) if (holds(chunk, m) || (prev !== undefined && straddles(prev, chunk, m))) return true;
    return false;
  }
  whole(_tail: Buffer | undefined, _prevTail: Buffer | undefined, marked: boolean): boolean {
    return marked;
  }
}

/** `marker` in `chunk`, not after a backslash (the escaped quote of a text: `\"message_stop\"`). */
function holds(chunk: Buffer, marker: Buffer): boolean {
  for (let at = chunk.indexOf(marker); at !== -1; at = chunk.indexOf(marker, at + 1))
    if (at === 0 || chunk[at - 1] !== 0x5c) return true;
  return false;
}

/** `marker` split across `prev`'s end and `chunk`'s start, compared in place (no concatenation per chunk). */
function straddles(prev: Buffer, chunk: Buffer, marker: Buffer): boolean {
  const from = Math.max(0, prev.length - marker.length + 1);
  for (let q = prev.indexOf(marker[0], from); q !== -1; q = prev.indexOf(marker[0], q + 1)) {
    const head = prev.length - q;
    const rest = marker.length - head;
    if (rest > chunk.length || (q > 0 && prev[q - 1] === 0x5c)) continue;
    if (prev.compare(marker, 0, head, q) === 0 && chunk.compare(marker, head, marker.length, 0, rest) === 0)
      return true;
  }
  return false;
}

/** How each endpoint's SSE stream ends; undefined where an answer is never judged as a stream. */
export const streamEnds: Record<Endpoint, StreamEnd | undefined> = {
  chat: DONE_LINE,
  completions: DONE_LINE,
  embeddings: undefined,
  responses: new LastEvent(['"response.completed"', '"response.failed"', '"response.incomplete"']),
  messages: new LastEvent(['"message_stop"']),
  rerank: undefined,
  score: undefined,
  tokenize: undefined,
  detokenize: undefined,
  // OpenAI's transcription stream ends with transcript.text.done; engines that follow chat's habit send [DONE].
  transcriptions: new LastEvent(['"transcript.text.done"', 'data: [DONE]']),
  // Paths the gateway knows nothing of: their streams are relayed as they come.
  other: undefined,
};
