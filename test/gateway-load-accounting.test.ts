// With kv-aware routing the load model predicts every engine's in-flight requests, queued prefill and KV
// blocks; after every ending a request can have — success, retry, client error, timeout, client abort,
// upstream crash mid-stream — the prediction is back to exactly zero (assertIdle checks fleet.assertDrained).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { startMock } from '../src/mock/server.ts';
import { startGateway } from './helpers/gateway.ts';
import { errorUpstream, scriptedUpstream } from './helpers/upstreams.ts';

const messages = [{ role: 'user' as const, content: `${'A shared system prompt. '.repeat(40)}And a question.` }];
const kvAware = (bases: string[], extra = '') => `
model_list:
${bases.map((b, i) => `  - { model_name: m, litellm_params: { model: openai/x, api_base: "${b}" ${extra} }, model_info: { id: e${i} } }`).join('\n')}
router_settings: { routing_strategy: kv-aware, num_retries: 2, allowed_fails: 100 }
`;

describe('load model accounting, end to end', () => {
  it('returns to zero after answers, streams and a retried 5xx', async () => {
    const mock = await startMock({ port: 0, chunks: 5 });
    const failing = await errorUpstream(500, 'boom', 'server_error');
    const gw = await startGateway(kvAware([failing.url, mock.apiBase]));
    try {
      const client = gw.client();
      // Distinct prompts leave kv-aware a tie between the two engines each time, so the failing one is tried
      // (and retried away from); the stream repeats its prompt, which the prefix estimate then finds on e1.
      for (let i = 0; i < 12; i++) {
        const own = [{ role: 'user' as const, content: `Question ${i}. ${messages[0].content}` }];
        const { response } = await client.chat.completions.create({ model: 'm', messages: own }).withResponse();
        assert.equal(response.headers.get('x-spillway-engine'), 'e1');
        const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: own });
        for await (const _ of stream);
      }
      assert.ok(failing.requests >= 1, 'the failing engine was tried');
      const e1 = gw.gateway.fleet!.engine('e1');
      assert.ok(e1.prefixHitRate() > 0, 'repeated prompts hit the prefix estimate');
      await gw.assertIdle();
    } finally {
      await gw.close();
      await Promise.all([mock.close(), failing.close()]);
    }
  });

  it('returns to zero after a forwarded 4xx and a first-byte timeout', async () => {
    const picky = await errorUpstream(400, 'context too long', 'invalid_request_error');
    const stalled = await scriptedUpstream(() => {});
    const gw = await startGateway(kvAware([picky.url]));
    const gw2 = await startGateway(kvAware([stalled.url], ', stream_timeout: 0.05'));
    try {
      await assert.rejects(gw.client().chat.completions.create({ model: 'm', messages }), OpenAI.BadRequestError);
      await assert.rejects(
        gw2.client().chat.completions.create({ model: 'm', messages }),
        (e) => e instanceof OpenAI.APIError && e.status === 504,
      );
      await gw.assertIdle();
      await gw2.assertIdle();
    } finally {
      await Promise.all([gw.close(), gw2.close()]);
      await Promise.all([picky.close(), stalled.close()]);
    }
  });

  it('returns to zero after a client abort and an upstream crash mid-stream', async () => {
    const mock = await startMock({ port: 0, latencyMs: 5000 });
    const dying = await scriptedUpstream((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'data: {"id":"1","object":"chat.completion.chunk","created":0,"model":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n',
      );
      setImmediate(() => res.socket?.destroy());
    });
    const slow = await startGateway(kvAware([mock.apiBase]));
    const broken = await startGateway(kvAware([dying.url]));
    try {
      const ac = new AbortController();
      const received = once(mock.events, 'request');
      const aborted = once(mock.events, 'aborted');
      const pending = slow
        .client()
        .chat.completions.create({ model: 'm', stream: true, messages }, { signal: ac.signal });
      await received;
      ac.abort();
      await assert.rejects(pending);
      await aborted;

      const stream = await broken.client().chat.completions.create({ model: 'm', stream: true, messages });
      await assert.rejects(async () => {
        for await (const _ of stream);
      });
      await slow.assertIdle();
      await broken.assertIdle();
    } finally {
      await Promise.all([slow.close(), broken.close()]);
      await Promise.all([mock.close(), dying.close()]);
    }
  });
});
