// The simulated engine speaks OpenAI's API as the official client sees it, with correct usage.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { type EngineHandle, startEngine } from '../src/sim/server.ts';
import { countChatTokens, countTokens } from '../src/tokens/index.ts';
import { streamRequest, userMessage } from './sim-helpers.ts';

let engine: EngineHandle;
let client: OpenAI;

before(async () => {
  engine = await startEngine({ speedup: 50, model: 'sim-test', seed: 3 });
  client = new OpenAI({ baseURL: `${engine.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(() => engine.close());

const messages = [
  { role: 'system' as const, content: 'You are a terse assistant.' },
  { role: 'user' as const, content: 'Name three rivers in Europe, please.' },
];

test('chat, not streamed: usage counts the prompt with the shared tokenizer and max_tokens of output', async () => {
  const r = await client.chat.completions.create({ model: 'sim-test', messages, max_tokens: 12 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'sim-test');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.usage?.prompt_tokens, countChatTokens(messages));
  assert.equal(r.usage?.completion_tokens, 12);
  assert.equal(r.usage?.total_tokens, r.usage!.prompt_tokens + 12);
  assert.equal(countTokens(r.choices[0].message.content!), 12, 'the filler re-tokenises to its count');
});

test('chat, streamed: role chunk, one chunk per token, finish chunk, usage chunk, [DONE]', async () => {
  const stream = await client.chat.completions.create({
    model: 'sim-test',
    messages,
    max_tokens: 7,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const tokens = chunks.filter((c) => c.choices[0]?.delta.content);
  assert.equal(tokens.length, 7);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  const finish = chunks.find((c) => c.choices[0]?.finish_reason);
  assert.equal(finish?.choices[0].finish_reason, 'length');
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage?.completion_tokens, 7);
  assert.equal(last.usage?.prompt_tokens, countChatTokens(messages));
});

test('completions, streamed and not, with a string or token-id prompt', async () => {
  const r = await client.completions.create({ model: 'sim-test', prompt: 'Once upon a time', max_tokens: 4 });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.usage?.prompt_tokens, countTokens('Once upon a time'));
  assert.equal(r.usage?.completion_tokens, 4);
  const ids = await client.completions.create({ model: 'sim-test', prompt: [1, 2, 3, 4, 5], max_tokens: 2 });
  assert.equal(ids.usage?.prompt_tokens, 5);
  const s = await streamRequest(engine.url, { prompt: 'Hello', max_tokens: 5 }, { path: '/v1/completions' });
  assert.equal(s.contents.length, 5);
  assert.equal(s.events[0].object, 'text_completion');
  assert.equal(s.finishReason, 'length');
  assert.ok(s.done);
});

test('without max_tokens the output length is drawn from the seed and finishes with "stop"', async () => {
  const lengths = async (seed: number) => {
    const e = await startEngine({ speedup: 100, seed });
    try {
      const c = new OpenAI({ baseURL: `${e.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await c.chat.completions.create({ model: 'sim-llama', messages: userMessage('hi') });
        assert.equal(r.choices[0].finish_reason, 'stop');
        out.push(r.usage!.completion_tokens);
      }
      return out;
    } finally {
      await e.close();
    }
  };
  const [a, b, c] = [await lengths(11), await lengths(11), await lengths(12)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('models and health', async () => {
  const models = await client.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ['sim-test'],
  );
  const health = await fetch(`${engine.url}/health`);
  assert.equal(health.status, 200);
});

test('bad requests get OpenAI-shaped errors with the right status', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'other', messages, max_tokens: 1 }), (e: any) => {
    assert.equal(e.status, 404);
    assert.equal(e.code, 'model_not_found');
    return true;
  });
  await assert.rejects(
    client.chat.completions.create({ model: 'sim-test', messages, max_tokens: 100_000 }),
    (e: any) => e.status === 400 && e.code === 'context_length_exceeded',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'sim-test', messages, n: 2 }),
    (e: any) => e.status === 400 && e.param === 'n',
  );
  const bad = await fetch(`${engine.url}/v1/chat/completions`, { method: 'POST', body: '{nope' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.code, 'invalid_json');
  const get = await fetch(`${engine.url}/v1/chat/completions`);
  assert.equal(get.status, 405);
  const missing = await fetch(`${engine.url}/v2/whatever`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).error.code, 'not_found');
  assert.deepEqual(engine.load().running + engine.load().waiting, 0);
});

test('bodies that crashed the simulator (a null content part, a prompt nested 12,000 deep) are answered', async () => {
  const post = (path: string, body: string) =>
    fetch(`${engine.url}/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const nullPart = await post(
    'chat/completions',
    JSON.stringify({
      model: 'sim-test',
      max_tokens: 2,
      messages: [{ role: 'user', content: [null, { type: 'text', text: 'hi' }] }],
    }),
  );
  assert.equal(nullPart.status, 200);
  await nullPart.text();
  const deep = await post(
    'completions',
    `{"model":"sim-test","max_tokens":2,"prompt":${'['.repeat(12_000)}"hi"${']'.repeat(12_000)}}`,
  );
  assert.equal(deep.status, 200);
  await deep.text();
});
