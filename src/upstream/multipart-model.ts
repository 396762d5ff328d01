/**
 * A multipart form with its `model` field's value replaced, every other byte untouched (the audio is never
 * re-encoded). The ingress read the fields with busboy (src/ingress/multipart.ts); this only finds where the
 * part named `model` sits: parts are delimited by `--boundary`, which by definition occurs in no part's content,
 * so stepping from delimiter to delimiter cannot land inside the file.
 */
const HEAD_END = Buffer.from('\r\n\r\n');
const MODEL_NAME = /\bname="model"/;

export function rewriteFormModel(raw: Buffer, contentType: string, upstreamModel: string): Buffer {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return raw;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may open the body without the CRLF before it.
  let at = raw.indexOf(delimiter.subarray(2));
  while (at !== -1) {
    const head = raw.indexOf(HEAD_END, at);
    if (head === -1) return raw;
    const next = raw.indexOf(delimiter, head);
    if (next === -1) return raw;
    if (MODEL_NAME.test(raw.toString('latin1', at, head))) {
      return Buffer.concat([raw.subarray(0, head + HEAD_END.length), Buffer.from(upstreamModel), raw.subarray(next)]);
    }
    at = next + 2;
  }
  return raw;
}

/** The boundary parameter of a multipart content type. */
function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m === null ? undefined : (m[1] ?? m[2]);
}
