// The official SDKs against a real gateway and the mock upstream on 127.0.0.1: OpenAI's `responses.create` and
// Anthropic's `messages.create`, streamed and not, and each SDK's typed overload error when back pressure
// refuses, with the retry header it reads; a retry after capacity frees succeeds. Accounting at zero after each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { type BpGateway, type HeldUpstream, heldUpstream, post, startBpGateway } from './helpers/backpressure.ts';

const CHUNKS = 4;
const REPLY = 'This is a'; // the mock's first words, one per chunk

const cfg = (held: string, mock: string) => `
model_list:
  - { model_name: held, litellm_params: { model: openai/x, api_base: "${held}" } }
  - { model_name: m, litellm_params: { model: openai/mock-model, api_base: "${mock}" } }
spillway:
  backpressure:
    enabled: true
    ingress: { max_in_flight: 1, priorities: { critical: 1, standard: 1, sheddable: 1 } }
`;

describe('official SDKs through the gateway', () => {
  let mock: MockHandle;
  let held: HeldUpstream;
  let gw: BpGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    mock = await startMock({ chunks: CHUNKS });
    held = await heldUpstream();
    gw = await startBpGateway(cfg(held.url, mock.apiBase));
    openai = gw.client();
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    held.releaseAll();
    await gw.close();
    await held.close();
    await mock.close();
  });

  /** Fills the gateway's one in-flight slot with a chat request the held upstream keeps; resolves once held. */
  async function fill(): Promise<{ call: Promise<unknown> }> {
    const call = post(gw.url, {}, { model: 'held' });
    await held.waitHeld(1);
    return { call };
  }

  it('openai responses.create, not streamed: the answer, its usage, the model name rewritten', async () => {
    const r = await openai.responses.create({ model: 'm', instructions: 'Be brief.', input: 'hello' });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.model, 'mock-model');
    assert.ok(r.output_text.startsWith(REPLY), r.output_text);
    assert.equal(r.usage?.output_tokens, CHUNKS);
    await gw.assertDrained();
  });

  it('openai responses.create, streamed: created, deltas, completed (no [DONE]), relayed whole', async () => {
    const stream = await openai.responses.create({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hello' }] }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') assert.equal(e.response.usage?.output_tokens, CHUNKS);
    }
    assert.deepEqual(types, [
      'response.created',
      ...Array(CHUNKS).fill('response.output_text.delta'),
      'response.completed',
    ]);
    assert.ok(text.startsWith(REPLY), text);
    await gw.assertDrained();
  });

  it('anthropic messages.create, not streamed and streamed', async () => {
    const m = await anthropic.messages.create({
      model: 'm',
      max_tokens: 64,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(m.type, 'message');
    assert.equal(m.model, 'mock-model');
    assert.equal(m.stop_reason, 'end_turn');
    const block = m.content[0];
    assert.ok(block.type === 'text' && block.text.startsWith(REPLY));
    assert.equal(m.usage.output_tokens, CHUNKS);

    const stream = await anthropic.messages.create({
      model: 'm',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
    }
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(text.startsWith(REPLY), text);
    await gw.assertDrained();
  });

  it('a refusal reaches the openai SDK as its typed error with retry-after-ms; a retry after capacity frees succeeds', async () => {
    const filled = await fill();
    const err = await openai.responses.create({ model: 'm', input: 'hello' }).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpenAI.InternalServerError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'ingress_inflight');
    assert.ok(Number(err.headers.get('retry-after-ms')) > 0);

    // maxRetries 1: the refusal frees the slot before the SDK's wait ends, so its one retry gets in.
    let calls = 0;
    const retrying = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: 'unused',
      maxRetries: 1,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (++calls === 1) {
          assert.equal(res.status, 503);
          held.releaseAll();
          await filled.call;
        }
        return res;
      },
    });
    const r = await retrying.responses.create({ model: 'm', input: 'hello' });
    assert.equal(r.status, 'completed');
    assert.equal(calls, 2);
    await gw.assertDrained();
  });

  it('a refusal reaches the anthropic SDK as OverloadedError (529, overloaded_error); its retry succeeds', async () => {
    const filled = await fill();
    const err = await anthropic.messages
      .create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] })
      .then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof Anthropic.OverloadedError, String(err));
    assert.equal(err.status, 529);
    const body = err.error as { type: string; error: { type: string; code: string } };
    assert.deepEqual([body.type, body.error.type, body.error.code], ['error', 'overloaded_error', 'ingress_inflight']);
    const ms = Number(err.headers.get('retry-after-ms'));
    assert.ok(ms > 0, `retry-after-ms ${ms}`);
    assert.equal(err.headers.get('retry-after'), String(Math.ceil(ms / 1000)));
    assert.equal(err.headers.get('x-spillway-rejected-by'), 'ingress');

    let calls = 0;
    const retrying = new Anthropic({
      baseURL: gw.url,
      apiKey: 'unused',
      maxRetries: 1,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (++calls === 1) {
          assert.equal(res.status, 529);
          held.releaseAll();
          await filled.call;
        }
        return res;
      },
    });
    const m = await retrying.messages.create({
      model: 'm',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(m.stop_reason, 'end_turn');
    assert.equal(calls, 2);
    await gw.assertDrained();
  });
});
