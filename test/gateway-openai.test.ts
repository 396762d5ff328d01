// The gateway as a user meets it: the official openai client against real mock upstreams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startMock } from '../src/mock/server.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';

describe('gateway with the openai client', () => {
  let mocks: Awaited<ReturnType<typeof startMock>>[];
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    mocks = await Promise.all([startMock({ port: 0, chunks: 4 }), startMock({ port: 0, chunks: 4 })]);
    gw = await startGateway(`
model_list:
  - model_name: chat-model
    litellm_params: { model: openai/upstream-a, api_base: "${mocks[0].url}/v1" }
  - model_name: chat-model
    litellm_params: { model: hosted_vllm/upstream-b, api_base: "${mocks[1].url}/v1" }
  - model_name: limited
    litellm_params: { model: openai/x, api_base: "${mocks[0].url}/v1", rpm: 1 }
general_settings: { master_key: sk-test-master }
`);
    client = gw.client({ apiKey: 'sk-test-master' });
  });
  after(async () => {
    await gw.assertIdle();
    await gw.close();
    await Promise.all(mocks.map((m) => m.close()));
  });

  it('answers chat completions through a deployment, with the gateway headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat-model', messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.ok(data.choices[0].message.content);
    assert.match(response.headers.get('x-spillway-deployment') ?? '', /^chat-model-[01]$/);
    assert.ok(Number(response.headers.get('x-spillway-overhead-ms')) >= 0);
    assert.ok(response.headers.get('x-request-id'));
  });

  it('substitutes the upstream model name', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const r = await client.chat.completions.create({
        model: 'chat-model',
        messages: [{ role: 'user', content: 'hi' }],
      });
      seen.add(r.model);
    }
    assert.deepEqual([...seen].sort(), ['upstream-a', 'upstream-b']);
  });

  it('streams chat chunks to the end', async () => {
    const stream = await client.chat.completions.create({
      model: 'chat-model',
      stream: true,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    let content = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) content++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(content, 4);
    assert.equal(finish, 'stop');
  });

  it('answers completions and embeddings', async () => {
    const c = await client.completions.create({ model: 'chat-model', prompt: 'Say hi' });
    assert.equal(c.object, 'text_completion');
    const e = await client.embeddings.create({ model: 'chat-model', input: ['a', 'b'] });
    assert.equal(e.data.length, 2);
    assert.ok(e.data[0].embedding.length > 0);
  });

  it('lists model groups in OpenAI format', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['chat-model', 'limited']);
  });

  it('raises the SDK typed errors', async () => {
    const chat = (c: OpenAI, model: string, body: object = {}) =>
      c.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], ...body });
    await assert.rejects(
      chat(client, 'chat-model', { messages: [] }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages',
    );
    await assert.rejects(chat(gw.client({ apiKey: 'wrong' }), 'chat-model'), OpenAI.AuthenticationError);
    await assert.rejects(
      chat(client, 'nope'),
      (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found' && /chat-model/.test(e.message),
    );
    await chat(client, 'limited');
    await assert.rejects(
      chat(client, 'limited'),
      (e) =>
        e instanceof OpenAI.RateLimitError &&
        e.code === 'deployment_limit' &&
        Number(e.headers?.get('retry-after')) >= 1,
    );
  });
});
