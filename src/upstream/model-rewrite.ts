const modelKey = Buffer.from('"model"');
// Escapes that could spell a letter of "model" (m o d e l = \u006d \u006f \u0064 \u0065 \u006c; hex may be upper
// case). Serialisers never escape ASCII letters, so ordinary bodies, even with every non-ASCII character
// escaped, contain none of these.
const letterEscapes = [Buffer.from('\\u006'), Buffer.from('\\u0064'), Buffer.from('\\u0065')];

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The client's JSON body with every top-level `model` value replaced by `upstreamModel`, every other byte
 * untouched; the client's own buffer when nothing changes. Never re-serialises and never recurses, so it cannot
 * throw on any body JSON.parse accepted.
 *
 * Fast path (hand-written because it is the hot path for every rewritten request, and re-serialising a 13 KB
 * prompt costs more than a few native `indexOf`s): when `"model"` occurs exactly once in the raw bytes and no
 * escape could spell the key another way, that occurrence is the top-level key (the parsed body has one), so
 * its value is spliced in place.
 *
 * Otherwise (the key escaped, repeated, or the text `"model"` elsewhere) the top level is scanned and EVERY
 * top-level `model` value is replaced: JSON.parse kept the last of duplicate keys and the gateway routed on it,
 * but an upstream parser may keep the first; after the splice both see `upstreamModel`.
 */
export function rewriteModel(raw: Buffer, body: Record<string, unknown>, upstreamModel: string): Buffer {
  const at = raw.indexOf(modelKey);
  if (at !== -1 && raw.indexOf(modelKey, at + modelKey.length) === -1 && !hasLetterEscape(raw)) {
    if (upstreamModel === body.model) return raw;
    let i = skipSpace(raw, at + modelKey.length);
    if (raw[i] === 0x3a /* : */) {
      i = skipSpace(raw, i + 1);
      const end = skipValue(raw, i);
      return Buffer.concat([raw.subarray(0, i), Buffer.from(JSON.stringify(upstreamModel)), raw.subarray(end)]);
    }
  }
  return spliceTopLevel(raw, Buffer.from(JSON.stringify(upstreamModel)));
}

function hasLetterEscape(raw: Buffer): boolean {
  for (const e of letterEscapes) if (raw.indexOf(e) !== -1) return true;
  return false;
}

function skipSpace(raw: Buffer, i: number): number {
  while (i < raw.length && isJsonSpace(raw[i])) i++;
  return i;
}

/** From an opening quote to just past its closing quote. */
function skipString(raw: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = raw.indexOf(0x22, j);
    if (q === -1) return raw.length;
    let backslashes = 0;
    for (let k = q - 1; k > i && raw[k] === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** From the first byte of a value to just past it: strings, containers (bracket depth, strings skipped), scalars. */
function skipValue(raw: Buffer, i: number): number {
  const c = raw[i];
  if (c === 0x22) return skipString(raw, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < raw.length) {
      const b = raw[i];
      if (b === 0x22) {
        i = skipString(raw, i);
        continue;
      }
      if (b === 0x7b || b === 0x5b) depth++;
      else if (b === 0x7d || b === 0x5d) {
        if (--depth === 0) return i + 1;
      }
      i++;
    }
    return raw.length;
  }
  while (i < raw.length) {
    const b = raw[i];
    if (b === 0x2c || b === 0x7d || b === 0x5d || isJsonSpace(b)) return i;
    i++;
  }
  return raw.length;
}

/** Whether the key string raw[from, to) (quotes included) decodes to `model`. */
function isModelKey(raw: Buffer, from: number, to: number): boolean {
  if (to - from === modelKey.length) return raw.compare(modelKey, 0, modelKey.length, from, to) === 0;
  // Escaped: at most 5 × `\uXXXX` plus quotes. Parsing a key this short cannot fail deep or slow.
  const backslash = raw.indexOf(0x5c, from);
  if (to - from > 32 || backslash === -1 || backslash >= to) return false;
  return JSON.parse(raw.toString('utf8', from, to)) === 'model';
}

/** The body (a JSON object that parsed) with each top-level `model` value replaced by `encoded`. */
function spliceTopLevel(raw: Buffer, encoded: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  let i = skipSpace(raw, 0) + 1; // past '{'
  while (i < raw.length) {
    i = skipSpace(raw, i);
    if (raw[i] !== 0x22) break; // '}' of an empty object
    const keyEnd = skipString(raw, i);
    const isModel = isModelKey(raw, i, keyEnd);
    i = skipSpace(raw, skipSpace(raw, keyEnd) + 1); // past ':'
    const valueEnd = skipValue(raw, i);
    if (isModel) {
      parts.push(raw.subarray(from, i), encoded);
      from = valueEnd;
    }
    i = skipSpace(raw, valueEnd);
    if (raw[i] !== 0x2c) break; // '}'
    i++;
  }
  if (parts.length === 0) return raw;
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}
