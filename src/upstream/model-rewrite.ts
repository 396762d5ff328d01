const modelKey = Buffer.from('"model"');

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The client's JSON body with the top-level `model` value replaced, every other byte untouched.
 *
 * Fast path (hand-written because it is the hot path for every rewritten request, and re-serialising a 13 KB
 * prompt costs more than two native `indexOf`s): when the key `"model"` occurs exactly once in the raw bytes it
 * must be the top-level one (the parsed body has it), so its value is spliced in place. Anything unusual — the
 * key more than once, escapes in the name — falls back to `JSON.stringify` of the parsed body.
 */
export function rewriteModel(raw: Buffer, body: Record<string, unknown>, upstreamModel: string): Buffer {
  const at = raw.indexOf(modelKey);
  if (at !== -1 && raw.indexOf(modelKey, at + modelKey.length) === -1) {
    let i = at + modelKey.length;
    while (i < raw.length && isJsonSpace(raw[i])) i++;
    if (raw[i] === 0x3a /* : */) {
      i++;
      while (i < raw.length && isJsonSpace(raw[i])) i++;
      const encoded = JSON.stringify(body.model);
      if (raw.toString('utf8', i, i + Buffer.byteLength(encoded)) === encoded) {
        return Buffer.concat([raw.subarray(0, i), Buffer.from(JSON.stringify(upstreamModel)), raw.subarray(i + Buffer.byteLength(encoded))]);
      }
    }
  }
  return Buffer.from(JSON.stringify({ ...body, model: upstreamModel }));
}
