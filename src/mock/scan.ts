/**
 * Reads the three facts the mock needs from a request body — the model, `stream`, and
 * `stream_options.include_usage` — by searching the bytes, without decoding or parsing the JSON.
 * Hand-written because the mock is the floor of the overhead benchmark and its requests carry ~13 KB
 * prompts: on the seed's 16 KB body the scan takes ~0.8 µs, JSON.parse ~6 µs (`node src/mock/scan.bench.ts`,
 * shared 2-core machine), against ~30 µs of CPU for a whole mock request.
 *
 * A key matches only where it is followed by `:`, so the same word inside a string value (where its quotes
 * are escaped) never matches. The first key whose value has the expected type wins: a nested key of the
 * same name before the top-level one (e.g. a tool's JSON schema property called "stream" set to true)
 * would be misread, which is acceptable for a mock.
 */

const MODEL_KEY = Buffer.from('"model"');
const STREAM_KEY = Buffer.from('"stream"');
const INCLUDE_USAGE_KEY = Buffer.from('"include_usage"');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const LETTER_T = 0x74;

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Offset of the first byte of the value of `key` at or after `from`, or -1. */
function valueAt(body: Buffer, key: Buffer, from: number): number {
  for (let i = body.indexOf(key, from); i >= 0; i = body.indexOf(key, i + 1)) {
    let j = i + key.length;
    while (isSpace(body[j])) j++;
    if (body[j] !== COLON) continue;
    j++;
    while (isSpace(body[j])) j++;
    return j;
  }
  return -1;
}

/** True when some `key` has the value `true`. */
function isTrue(body: Buffer, key: Buffer): boolean {
  for (let j = valueAt(body, key, 0); j >= 0; j = valueAt(body, key, j)) {
    if (body[j] === LETTER_T) return true;
  }
  return false;
}

export const isStream = (body: Buffer): boolean => isTrue(body, STREAM_KEY);
export const includesUsage = (body: Buffer): boolean => isTrue(body, INCLUDE_USAGE_KEY);

/**
 * The `model` value as the JSON string literal it is in the request, quotes included, so it can be copied
 * into the response as is; undefined when there is none.
 */
export function modelLiteral(body: Buffer): string | undefined {
  for (let j = valueAt(body, MODEL_KEY, 0); j >= 0; j = valueAt(body, MODEL_KEY, j)) {
    if (body[j] !== QUOTE) continue;
    for (let k = j + 1; k < body.length; k++) {
      if (body[k] === BACKSLASH) k++;
      else if (body[k] === QUOTE) return body.toString('utf8', j, k + 1);
    }
    return undefined;
  }
  return undefined;
}
