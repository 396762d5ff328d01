/**
 * Asks a stream's upstream for its usage: `stream_options.include_usage` spliced in as the body's first key,
 * every other byte untouched (never re-serialised). Only for a body with no `stream_options` at all, so the
 * upstream sees exactly one (src/pipeline/tenant-gate.ts decides).
 */
import type { Endpoint } from '../config/types.ts';

/**
 * The endpoints whose streams take `stream_options.include_usage` (OpenAI's chat and completions). Responses
 * and Messages streams carry their usage in their last events anyway; the others do not stream.
 */
export const takesIncludeUsage: Record<Endpoint, boolean> = {
  chat: true,
  completions: true,
  embeddings: false,
  responses: false,
  messages: false,
  rerank: false,
  score: false,
  tokenize: false,
  detokenize: false,
  transcriptions: false,
  other: false,
};

const FIRST_KEY = Buffer.from('{"stream_options":{"include_usage":true},');

/** `body`: a JSON object with at least one key (`model`). */
export function withIncludeUsage(body: Buffer): Buffer {
  const open = body.indexOf(0x7b /* { */);
  return Buffer.concat([FIRST_KEY, body.subarray(open + 1)]);
}
