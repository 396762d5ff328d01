// `spillway engine` runs a profile's front end (src/sim/front-end.ts) over HTTP, as the closed-loop replay does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { countTokens } from '../src/tokens/index.ts';
import { loadWhen, streamRequest, userMessage } from './sim-helpers.ts';

test('a writer slower than the steps merges a stream into few chunks over HTTP; the counts return to zero', async () => {
  // Decode steps of the default profile take ~6 ms; each chunk costs the loop 400 ms, so after the first token
  // every later one is produced while a chunk is being written and goes out with the others in the next.
  const engine = await startEngine({ speedup: 5, frontEnd: { request_ms: 0, output_token_ms: 0, chunk_ms: 400 } });
  try {
    const r = await streamRequest(engine.url, {
      messages: userMessage('hello'),
      max_tokens: 20,
      stream_options: { include_usage: true },
    });
    assert.equal(r.finishReason, 'length');
    assert.equal(r.usage.completion_tokens, 20);
    assert.equal(countTokens(r.contents.join('')), 20);
    assert.equal(countTokens(r.contents[0]), 1);
    assert.ok(r.contents.length <= 3, `${r.contents.length} chunks`);
    const idle = await loadWhen(engine, (l) => l.running === 0 && l.waiting === 0);
    assert.equal(idle.kvBlocksUsed, 0);
  } finally {
    await engine.close();
  }
});

test("a named profile's front_end is used: its requests complete, streamed and not, with exact usage", async () => {
  const engine = await startEngine({ speedup: 20, profile: 'rtx4090-mistral-7b', numBlocks: 3000 });
  try {
    const [streamed, plain] = await Promise.all([
      streamRequest(engine.url, { messages: userMessage('a b c'), max_tokens: 8 }),
      fetch(`${engine.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: userMessage('d e f'), max_tokens: 8 }),
      }).then((res) => res.json() as Promise<any>),
    ]);
    assert.equal(countTokens(streamed.contents.join('')), 8);
    assert.equal(streamed.done, true);
    assert.equal(plain.usage.completion_tokens, 8);
    assert.equal(countTokens(plain.choices[0].message.content), 8);
    await loadWhen(engine, (l) => l.running === 0 && l.waiting === 0 && l.kvBlocksUsed === 0);
  } finally {
    await engine.close();
  }
});
