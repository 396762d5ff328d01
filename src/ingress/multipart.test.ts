import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rewriteFormModel } from '../upstream/multipart-model.ts';
import { readFormFields } from './multipart.ts';

const boundary = '----spillway7MA4YWxk';
const type = `multipart/form-data; boundary=${boundary}`;
const part = (headers: string, value: string | Buffer) =>
  Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n')]);
const form = (audio: Buffer, model: string) =>
  Buffer.concat([
    part('Content-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav', audio),
    part('Content-Disposition: form-data; name="model"', model),
    part('Content-Disposition: form-data; name="stream"', 'true'),
    Buffer.from(`--${boundary}--\r\n`),
  ]);

it('reads model and stream after a large file, within one call', () => {
  // 4 MB of audio whose bytes spell a fake part header: only delimiters separate parts.
  const audio = Buffer.alloc(4 << 20, 'name="model"\r\n\r\nnot-it\r\n');
  assert.deepEqual(readFormFields(form(audio, 'whisper'), type), { model: 'whisper', stream: 'true' });
});

it('refuses a body that is not the form its content type says', () => {
  assert.ok(readFormFields(Buffer.from('not a form'), 'multipart/form-data') instanceof Error);
});

it("replaces the model part's value and nothing else", () => {
  const audio = Buffer.alloc(70_000, 'name="model"\r\n\r\nnot-it\r\n');
  const raw = form(audio, 'whisper');
  const out = rewriteFormModel(raw, type, 'openai/whisper-large-v3');
  assert.deepEqual(readFormFields(out, type), { model: 'openai/whisper-large-v3', stream: 'true' });
  assert.equal(out.length, raw.length - 'whisper'.length + 'openai/whisper-large-v3'.length);
  assert.ok(out.includes(audio));
  assert.equal(rewriteFormModel(raw, 'multipart/form-data', 'x'), raw); // no boundary: left as it came
});
