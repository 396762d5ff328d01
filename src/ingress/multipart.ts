/**
 * The form fields of a multipart/form-data body the gateway routes on (`model`, `stream`), read from the bytes
 * the ingress already holds. busboy rather than a hand parser: multipart has quoting, header folding and
 * charset rules a few indexOfs would get wrong, and busboy streams file parts past us (a data listener that
 * drops them), so the audio is never copied a second time. Fed one buffer, busboy emits every field within
 * `end()` (checked in ./multipart.test.ts with a large file ahead of the fields).
 */
import busboy from 'busboy';

export interface FormFields {
  model: string | undefined;
  stream: string | undefined;
}

function drop(): void {}

/** The `model` and `stream` fields of `raw`, or the parser's complaint. */
export function readFormFields(raw: Buffer, contentType: string): FormFields | Error {
  const fields: FormFields = { model: undefined, stream: undefined };
  let failed: Error | undefined;
  try {
    const bb = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: 65536, fields: 64 } });
    bb.on('field', (name: string, value: string) => {
      if (name === 'model') fields.model = value;
      else if (name === 'stream') fields.stream = value;
    });
    bb.on('file', (_name: string, file: NodeJS.ReadableStream) => file.on('data', drop));
    bb.on('error', (err: Error) => {
      failed = err;
    });
    bb.end(raw);
  } catch (err) {
    return err as Error;
  }
  return failed ?? fields;
}
