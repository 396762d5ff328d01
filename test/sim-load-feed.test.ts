// The push feed of the engine's load: GET /load/stream (SSE) and GET /load agree with the ground truth.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEngine } from '../src/sim/server.ts';
import { streamRequest, userMessage } from './sim-helpers.ts';

test('the SSE feed sends the current snapshot, then every change at most every N ms, ending on the truth', async () => {
  const engine = await startEngine({ speedup: 20, loadIntervalMs: 20, maxNumSeqs: 2 });
  const ac = new AbortController();
  try {
    const res = await fetch(`${engine.url}/load/stream`, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const messages: any[] = [];
    const reader = (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body!) {
        buf += decoder.decode(chunk, { stream: true });
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          messages.push(JSON.parse(buf.slice('data: '.length, sep)));
          buf = buf.slice(sep + 2);
        }
      }
    })().catch(() => {});
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        streamRequest(engine.url, { messages: userMessage(`q${i} `.repeat(50)), max_tokens: 100 }),
      ),
    );
    assert.ok(results.every((r) => r.contents.length === 100));
    // The last change (idle) reaches subscribers within one interval.
    while (messages.at(-1)?.running !== 0 || messages.at(-1)?.waiting !== 0) await new Promise((r) => setTimeout(r, 5));
    const elapsed = Date.now() - started;
    ac.abort();
    await reader;

    assert.deepEqual(Object.keys(messages[0]).sort(), [
      'kvBlocksTotal',
      'kvBlocksUsed',
      'queuedPrefillTokens',
      'running',
      'seq',
      'ts',
      'waiting',
    ]);
    assert.ok(
      messages.some((m) => m.waiting > 0),
      'saw the queue',
    );
    assert.ok(
      messages.some((m) => m.running > 0 && m.kvBlocksUsed > 0),
      'saw the batch',
    );
    assert.ok(
      messages.some((m) => m.queuedPrefillTokens > 0),
      'saw queued prefill tokens',
    );
    for (let i = 1; i < messages.length; i++) assert.ok(messages[i].seq > messages[i - 1].seq);
    assert.ok(messages.length <= elapsed / 20 + 3, `${messages.length} messages in ${elapsed} ms`);
    const last = messages.at(-1);
    assert.deepEqual(
      {
        running: last.running,
        waiting: last.waiting,
        kvBlocksUsed: last.kvBlocksUsed,
        queuedPrefillTokens: last.queuedPrefillTokens,
      },
      { running: 0, waiting: 0, kvBlocksUsed: 0, queuedPrefillTokens: 0 },
    );
    const once = (await (await fetch(`${engine.url}/load`)).json()) as any;
    assert.equal(once.kvBlocksTotal, 4096);
    assert.equal(once.running, 0);
  } finally {
    ac.abort();
    await engine.close();
  }
});
