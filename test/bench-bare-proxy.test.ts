// The overhead benchmark's floor: the bare undici pass-through proxy must be a faithful proxy, or its figures
// mean nothing. Checked with the openai client through it, to the real mock upstream.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startBareProxy } from '../bench/bare-proxy.ts';
import { startMock } from '../src/mock/server.ts';

for (const parse of [false, true]) {
  test(`bare proxy${parse ? ' (parse + re-serialise)' : ''} passes chat, streams and errors through`, async (t) => {
    const mock = await startMock({ chunks: 5, apiKey: 'k' });
    const proxy = await startBareProxy({ upstream: mock.url, parse });
    t.after(async () => {
      await proxy.close();
      await mock.close();
    });
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const done = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(done.usage?.completion_tokens, 5);
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let chunks = 0;
    for await (const c of stream) if (c.choices[0]?.delta?.content) chunks++;
    assert.equal(chunks, 5);
    const bad = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), {
      status: 401,
    });
    assert.equal(mock.stats.received, 3);
  });
}
