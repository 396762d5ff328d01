/**
 * Asks a stream's upstream for its usage: `stream_options.include_usage` spliced in as the body's first key,
 * every other byte untouched (never re-serialised). Only for a body with no `stream_options` at all, so the
 * upstream sees exactly one (src/pipeline/tenant-gate.ts decides).
 */
const FIRST_KEY = Buffer.from('{"stream_options":{"include_usage":true},');

/** `body`: a JSON object with at least one key (`model`). */
export function withIncludeUsage(body: Buffer): Buffer {
  const open = body.indexOf(0x7b /* { */);
  return Buffer.concat([FIRST_KEY, body.subarray(open + 1)]);
}
