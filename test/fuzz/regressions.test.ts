// Cases the fuzzer found, kept as literal inputs: each runs through the same checks as the property
// (./request-case.ts: the process stays up, the answer is allowed and OpenAI-shaped, accounting returns to
// zero, liveness answers), plus what the case itself was about.
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { FuzzedEndpoint, RequestCase } from './arbitraries.ts';
import { crashes, EnvPool, VARIANTS, type Variant } from './harness.ts';
import { runRequestCase } from './request-case.ts';
import { runUpstreamCase } from './upstream-case.ts';

const PATHS: Record<FuzzedEndpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
};

/** A well-formed request around `json`: what the fuzzer's headers would be on a good day. */
function literal(endpoint: FuzzedEndpoint, json: string, depth: number): RequestCase {
  const bytes = Buffer.from(json);
  return {
    body: { endpoint, json, bytes, damaged: false, damage: 'none', depth },
    request: {
      method: 'POST',
      path: PATHS[endpoint],
      headers: [
        ['content-type', 'application/json'],
        ['authorization', 'Bearer sk-fuzz'],
        ['content-length', String(bytes.length)],
      ],
      pieces: [bytes],
      abort: 'none',
    },
    contentTypeOk: true,
    authOk: true,
    priority: undefined,
    ttftBudget: undefined,
    lengthTrue: true,
    lengthDeclared: 'true',
    requestId: undefined,
    pathOk: true,
  };
}

const variant = (name: string): Variant => VARIANTS.find((v) => v.name === name)!;
const errorOf = (body: Buffer) =>
  (JSON.parse(body.toString()) as { error: { message: string; code: string; param: string | null } }).error;

describe('fuzz regressions', () => {
  const pool = new EnvPool();
  after(() => pool.closeAll());
  // As in the property: an uncaught exception fails the case that caused it, not whichever test runs then.
  beforeEach(() => crashes.start());
  afterEach(() => crashes.stop());

  it('an escaped "model" key (the rewrite falls back to re-serialising) with 15,224 nested arrays in another field', async () => {
    // Found as: RangeError: Maximum call stack size exceeded (JSON.stringify in src/upstream/model-rewrite.ts), process down.
    const json = `{";[g-":${'['.repeat(15224)}"a\\u0000b"${']'.repeat(15224)},"\\u006dodel":"m","input":["x"]}`;
    const a = await runRequestCase(pool, variant('kv-aware'), literal('embeddings', json, 15225));
    assert.equal(a.status, 400);
    assert.equal(errorOf(a.body).code, 'json_too_deep');
  });

  it('a completions prompt nested 12,000 deep with the load model on (back pressure), no model rewrite', async () => {
    // Issue 10 finding 1b: the recursive prompt rendering (src/prefix/prompt-bytes.ts) overflowed the stack.
    const json = `{"model":"e","prompt":${'['.repeat(12000)}1${']'.repeat(12000)}}`;
    const a = await runRequestCase(pool, variant('simple-shuffle+bp'), literal('completions', json, 12000));
    assert.equal(a.status, 400);
    assert.equal(errorOf(a.body).code, 'json_too_deep');
  });

  it('an unknown model name of 10,013 characters is not echoed back in full', async () => {
    // Found as: error body of 10,165 bytes (the 404 message quoted the whole name).
    const json = `{"prompt":[19003],"mode\\u006c":"m","model":"${'x'.repeat(10013)}"}`;
    const a = await runRequestCase(pool, variant('kv-aware'), literal('completions', json, 2));
    assert.equal(a.status, 404);
    assert.equal(errorOf(a.body).code, 'model_not_found');
  });

  it('a duplicated "model" key and a number beyond a double reach the upstream as the client wrote them', async () => {
    // Found as: the upstream received `null` for the 1,893-digit number: the duplicated key sends the model
    // rewrite to JSON.stringify of the parsed body, which writes Infinity as null (and rounds other numbers).
    const json = `{"model":"m","K7|u!3":[${'9'.repeat(1893)}],"model":"m","input":[[36584]]}`;
    const a = await runRequestCase(pool, variant('prefix-hash+key'), literal('embeddings', json, 3));
    assert.equal(a.status, 200);
  });

  it('an escaped top-level "model" key and a nested "model" key: only the top-level one is rewritten', async () => {
    const json = '{"m\\u006fdel":"m","messages":[{"role":"user","content":"hi","model":"m"}]}';
    const a = await runRequestCase(pool, variant('simple-shuffle'), literal('chat', json, 3));
    assert.equal(a.status, 200);
  });

  it('an upstream that answers a requested stream with 200 text/event-stream and no body at all', async () => {
    // Found (after the crash fixes) as: "request failed before an answer: socket hang up". The stream has no
    // data: [DONE], so it is cut as truncated (finding 7); but not one byte, not even the head, had reached the
    // client, so the client gets no HTTP answer at all instead of an error it can read (or a retry). Now an empty
    // event stream is a failed attempt, retried while nothing reached the client, then a 502 naming it.
    const a = await runUpstreamCase(
      pool,
      variant('simple-shuffle'),
      { endpoint: 'chat', group: 'm', stream: true, priority: undefined },
      [{ status: 200, headers: { 'content-type': 'text/event-stream' }, chunks: [], ending: 'end' }],
    );
    assert.equal(a.status, 502);
    assert.equal(errorOf(a.body).code, 'upstream_error');
    assert.match(errorOf(a.body).message, /empty event stream/);
  });
});
