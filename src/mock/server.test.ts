import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { seededRandom } from '../util/random.ts';
import { type MockHandle, startMock } from './server.ts';

const mocks: MockHandle[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

async function mock(options: Parameters<typeof startMock>[0] = {}): Promise<MockHandle> {
  const m = await startMock(options);
  mocks.push(m);
  return m;
}

const client = (m: MockHandle, apiKey = 'unused') => new OpenAI({ baseURL: m.apiBase, apiKey, maxRetries: 0 });

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

test('chat completion: the content of `chunks` tokens, the asked-for model, finish_reason and usage', async () => {
  const m = await mock({ chunks: 4 });
  const messages = [{ role: 'user' as const, content: 'x'.repeat(400) }];
  const r = await client(m).chat.completions.create({ model: 'any-model', messages });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'any-model');
  assert.equal(r.choices[0].message.content, 'This is a deterministic');
  assert.equal(r.choices[0].finish_reason, 'stop');
  const bodyBytes = JSON.stringify({ model: 'any-model', messages }).length;
  assert.equal(r.usage?.prompt_tokens, Math.ceil(bodyBytes / 4));
  assert.equal(r.usage?.completion_tokens, 4);
  assert.equal(r.usage?.total_tokens, r.usage!.prompt_tokens + 4);
  assert.deepEqual(m.stats, { received: 1, served: 1, aborted: 0, failed: 0, inFlight: 0 });
});

test('chat stream: a role chunk, `chunks` content chunks, finish_reason stop, usage on request, [DONE]', async () => {
  const m = await mock({ chunks: 3 });
  const stream = await client(m).chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  assert.deepEqual(
    chunks.slice(1, 4).map((c) => c.choices[0].delta.content),
    ['This', ' is', ' a'],
  );
  assert.equal(chunks[4].choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks[5].choices, []);
  assert.equal(chunks[5].usage?.completion_tokens, 3);
  assert.equal(chunks.length, 6);

  const raw = await (await post(`${m.url}/chat/completions`, { model: 'm', stream: true })).text();
  assert.ok(raw.endsWith('data: [DONE]\n\n'));
  assert.equal(raw.match(/^data: /gm)?.length, 1 + 3 + 1 + 1); // no usage chunk unless asked for
});

test('completions, streaming or not, on paths with and without /v1', async () => {
  const m = await mock({ chunks: 2 });
  const r = await client(m).completions.create({ model: 'text-model', prompt: 'Say' });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, 'This is');
  assert.equal(r.choices[0].finish_reason, 'stop');
  const stream = await client(m).completions.create({ model: 'text-model', prompt: 'Say', stream: true });
  const texts = [];
  for await (const c of stream) texts.push([c.choices[0].text, c.choices[0].finish_reason]);
  assert.deepEqual(texts, [
    ['This', null],
    [' is', null],
    ['', 'stop'],
  ]);
  const plain = (await (await post(`${m.url}/completions`, { model: 'x', prompt: 'p' })).json()) as { model: string };
  assert.equal(plain.model, 'x');
});

test("embeddings: one vector per input, as the openai client's default base64 or as floats", async () => {
  const m = await mock();
  const viaBase64 = await client(m).embeddings.create({ model: 'emb', input: ['a', 'b', 'c'] });
  assert.equal(viaBase64.data.length, 3);
  assert.equal(viaBase64.data[2].index, 2);
  const floats = await client(m).embeddings.create({ model: 'emb', input: 'a', encoding_format: 'float' });
  assert.equal(floats.data.length, 1);
  assert.equal(floats.data[0].embedding.length, 16);
  assert.deepEqual(
    viaBase64.data[0].embedding.map((v) => v.toFixed(4)),
    floats.data[0].embedding.map((v) => v.toFixed(4)),
  );
  const bad = await fetch(`${m.apiBase}/embeddings`, { method: 'POST', body: '{not json' });
  assert.equal(bad.status, 400);
});

test('models lists the configured names', async () => {
  const m = await mock({ models: ['a', 'b'] });
  const page = await client(m).models.list();
  assert.deepEqual(
    page.data.map((x) => x.id),
    ['a', 'b'],
  );
});

test('unknown routes and wrong methods get OpenAI-shaped errors', async () => {
  const m = await mock();
  const notFound = await fetch(`${m.apiBase}/nope`);
  assert.equal(notFound.status, 404);
  assert.equal(((await notFound.json()) as { error: { code: string } }).error.code, 'not_found');
  const wrongMethod = await fetch(`${m.apiBase}/chat/completions`);
  assert.equal(wrongMethod.status, 405);
});

test('--api-key: requests without the bearer key are refused with 401', async () => {
  const m = await mock({ apiKey: 'sk-upstream' });
  await assert.rejects(client(m, 'wrong').models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
  assert.equal((await client(m, 'sk-upstream').models.list()).data.length, 1);
});

test('failures are drawn from the seeded PRNG: same seed, same requests fail', async () => {
  const m = await mock({ failRate: 0.3, seed: 42 });
  const random = seededRandom(42);
  const expected: number[] = [];
  const got: number[] = [];
  for (let i = 0; i < 40; i++) {
    expected.push(random() < 0.3 ? 500 : 200);
    const res = await post(`${m.apiBase}/chat/completions`, { model: 'm', messages: [] });
    got.push(res.status);
    const body = (await res.json()) as { error?: { type: string; message: string; param: null; code: string } };
    if (res.status === 500) assert.equal(body.error?.type, 'server_error');
  }
  assert.deepEqual(got, expected);
  assert.ok(got.includes(500) && got.includes(200));
  assert.equal(m.stats.failed, expected.filter((s) => s === 500).length);
  assert.equal(m.stats.served, 40);
});

test('a client that goes away before the response is complete is counted as aborted', async () => {
  const m = await mock({ latencyMs: 60_000 });
  const controller = new AbortController();
  const pending = post(`${m.apiBase}/chat/completions`, { model: 'm', messages: [] });
  void pending.catch(() => {});
  const request = fetch(`${m.apiBase}/chat/completions`, {
    method: 'POST',
    body: '{"model":"m","stream":true}',
    signal: controller.signal,
  });
  await once(m.events, 'request');
  await once(m.events, 'request');
  controller.abort();
  await assert.rejects(request);
  await once(m.events, 'aborted');
  assert.deepEqual(m.stats, { received: 2, served: 0, aborted: 1, failed: 0, inFlight: 1 });
  // close() ends the other, still waiting, request at once and does not count it as aborted.
  await m.close();
  assert.deepEqual(m.stats, { received: 2, served: 0, aborted: 1, failed: 0, inFlight: 0 });
});

test('a stream paced by chunkIntervalMs carries the same events as one sent at once', async () => {
  const paced = await mock({ chunks: 3, chunkIntervalMs: 5, latencyMs: 5 });
  const burst = await mock({ chunks: 3 });
  const body = { model: 'm', stream: true, stream_options: { include_usage: true } };
  const events = async (m: MockHandle) =>
    (await (await post(`${m.apiBase}/chat/completions`, body)).text()).replace(
      /"id":"[^"]+","object":"[^"]+","created":\d+/g,
      '',
    );
  assert.equal(await events(paced), await events(burst));
});

test('invalid options are refused', async () => {
  await assert.rejects(startMock({ chunks: 0 }), RangeError);
  await assert.rejects(startMock({ failRate: 1.5 }), RangeError);
  await assert.rejects(startMock({ failStatus: 200 }), RangeError);
  await assert.rejects(startMock({ latencyMs: -1 }), RangeError);
});

test('run-time faults: a status with Retry-After, a reset, a stall, and cleared again', async () => {
  const m = await mock();
  const chat = { model: 'm', messages: [] };
  m.setFault({ kind: 'status', status: 429, retryAfterS: 3 });
  const limited = await post(`${m.apiBase}/chat/completions`, { ...chat, stream: true });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.equal(((await limited.json()) as { error: { type: string } }).error.type, 'rate_limit_error');
  // /models is not an inference request: faults leave it alone.
  assert.equal((await fetch(`${m.apiBase}/models`)).status, 200);

  m.setFault({ kind: 'reset' });
  let aborted = once(m.events, 'aborted');
  await assert.rejects(post(`${m.apiBase}/chat/completions`, chat));
  await aborted;

  m.setFault({ kind: 'stall', ms: 20 });
  aborted = once(m.events, 'aborted');
  const stalledAt = Date.now();
  await assert.rejects(post(`${m.apiBase}/chat/completions`, chat));
  assert.ok(Date.now() - stalledAt >= 15, 'the stall held the response');
  await aborted;

  m.setFault(undefined);
  const ok = await post(`${m.apiBase}/chat/completions`, chat);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('retry-after'), null);
  await ok.arrayBuffer();
  assert.deepEqual(m.stats, { received: 5, served: 3, aborted: 2, failed: 3, inFlight: 0 });
  assert.throws(() => m.setFault({ kind: 'status', status: 200 }), RangeError);
});
