// Every other endpoint through a real back-pressure gateway to the mock (or a scripted upstream) on 127.0.0.1:
// rerank, score, tokenize/detokenize (served from the api_base's root), transcriptions (multipart, model
// rewritten in the form), the rule for other /v1 paths, stored responses' follow-ups, Anthropic-shaped errors,
// and a Responses stream cut before its last event. Accounting at zero after each.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { type BpGateway, startBpGateway } from './helpers/backpressure.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';

const cfg = (mock: string) => `
model_list:
  - { model_name: m, litellm_params: { model: openai/mock-model, api_base: "${mock}" } }
spillway:
  backpressure:
    enabled: true
`;

describe('endpoints beyond chat', () => {
  let mock: MockHandle;
  let gw: BpGateway;
  const seen: { path: string; body: Buffer }[] = [];
  const onRequest = (req: IncomingMessage, body: Buffer) => seen.push({ path: req.url ?? '', body });

  before(async () => {
    mock = await startMock({ chunks: 3 });
    mock.events.on('request', onRequest);
    gw = await startBpGateway(cfg(mock.apiBase));
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  const postJson = (path: string, body: object) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const lastSeen = () => {
    const s = seen.at(-1)!;
    return { path: s.path, text: s.body.toString('latin1') };
  };

  it('rerank: query and documents, the upstream model named', async () => {
    const res = await postJson('/v1/rerank', { model: 'm', query: 'q', documents: ['a', 'b'] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-spillway-deployment'), 'm-0');
    const body = (await res.json()) as { model: string; results: { index: number; relevance_score: number }[] };
    assert.equal(body.model, 'mock-model');
    assert.deepEqual(
      body.results.map((r) => r.index),
      [0, 1],
    );
    assert.deepEqual(lastSeen().path, '/v1/rerank');
    await gw.assertDrained();
  });

  it('score: with and without /v1', async () => {
    for (const path of ['/score', '/v1/score']) {
      const res = await postJson(path, { model: 'm', text_1: 'q', text_2: ['a', 'b', 'c'] });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: unknown[] }).data.length, 3);
      assert.equal(lastSeen().path, '/v1/score');
    }
    await gw.assertDrained();
  });

  it("tokenize and detokenize go to the api_base's root, where vLLM serves them", async () => {
    for (const path of ['/tokenize', '/v1/tokenize']) {
      const res = await postJson(path, { model: 'm', prompt: 'hello there' });
      assert.equal(res.status, 200);
      assert.ok(((await res.json()) as { count: number }).count > 0);
      assert.equal(lastSeen().path, '/tokenize');
    }
    const res = await postJson('/detokenize', { model: 'm', tokens: [1, 2] });
    assert.equal(res.status, 200);
    assert.equal(typeof ((await res.json()) as { prompt: string }).prompt, 'string');
    assert.equal(lastSeen().path, '/detokenize');
    assert.equal((await postJson('/detokenize', { model: 'm' })).status, 400); // tokens is required
    await gw.assertDrained();
  });

  it("transcriptions: the openai SDK's multipart upload, its model rewritten in the form", async () => {
    const audio = Buffer.alloc(200_000, 7);
    const t = await gw.client().audio.transcriptions.create({ file: await toFile(audio, 'a.wav'), model: 'm' });
    assert.equal(typeof t.text, 'string');
    const { path, text } = lastSeen();
    assert.equal(path, '/v1/audio/transcriptions');
    assert.match(text, /name="model"\r\n\r\nmock-model\r\n/);
    assert.equal(seen.at(-1)!.body.length > audio.length, true);
    // JSON is not a form.
    assert.equal((await postJson('/v1/audio/transcriptions', { model: 'm' })).status, 415);
    await gw.assertDrained();
  });

  it("OpenAI's other JSON endpoints that name a model group are proxied to the same path; else unknown", async () => {
    const received = mock.stats.received;
    const res = await postJson('/v1/images/generations', { model: 'm', prompt: 'a cat' });
    // The mock does not serve it: its own 404 is forwarded, from the deployment the request was routed to.
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-spillway-deployment'), 'm-0');
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /^mock upstream/);
    assert.equal(mock.stats.received, received + 1);
    for (const [path, body] of [
      ['/v1/images/generations', { model: 'nope', prompt: 'x' }],
      ['/v1/images/generations', { prompt: 'x' }],
    ] as const) {
      const r = await postJson(path, body);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers.get('x-spillway-deployment'), null);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'not_found');
    }
    assert.equal((await fetch(`${gw.url}/v1/images/generations`)).status, 404);
    assert.equal(mock.stats.received, received + 1);
    await gw.assertDrained();
  });

  it("a stored response's follow-ups are answered 501, documented", async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${gw.url}/v1/responses/resp_123`, { method });
      assert.equal(res.status, 501);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'stored_response_unsupported');
    }
  });

  it("/v1/messages answers the gateway's own errors in Anthropic's shape", async () => {
    const res = await postJson('/v1/messages', {
      model: 'nope',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { type: string; error: { type: string; code: string } };
    assert.deepEqual([body.type, body.error.type, body.error.code], ['error', 'not_found_error', 'model_not_found']);
  });
});

it('a Responses stream that closes before response.completed is cut, not passed off as whole', async () => {
  const up = await scriptedUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('event: response.created\ndata: {"type":"response.created","response":{}}\n\n');
  });
  const gw = await startBpGateway(cfg(up.url));
  try {
    const client: OpenAI = gw.client();
    const stream = await client.responses.create({ model: 'm', input: 'hi', stream: true });
    await assert.rejects(async () => {
      for await (const _ of stream);
    });
    await gw.assertDrained();
  } finally {
    await gw.close();
    await up.close();
  }
});
