// Token counters per group and deployment, the ITL histogram, and streamed usage: asked for upstream (and
// stripped from the client's stream) for a group with a tpm limit or with `spillway.stream_usage: always`, so
// tpm and the counters see what was streamed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { metric, post } from './helpers/backpressure.ts';
import { startGateway, windowWithRoom } from './helpers/gateway.ts';

const CHUNKS = 5;

const yaml = (api: string, tpm: string, extra = '') => `
model_list:
  - model_name: m
    litellm_params: { model: openai/x, api_base: "${api}" ${tpm} }
    model_info: { id: d0 }
${extra}
`;

const tokens = (text: string, kind: string) =>
  metric(text, 'spillway_tokens_total', `model_group="m",deployment="d0",kind="${kind}"`);
const itlCount = (text: string) => metric(text, 'spillway_inter_token_latency_seconds_count', 'model_group="m"');

/** One stream whose client did not ask for usage: what the client saw, and the counters after it. */
async function streamOnce(tpm: string, extra = '') {
  const mock = await startMock({ chunks: CHUNKS });
  const gw = await startGateway(yaml(`${mock.url}/v1`, tpm, extra));
  try {
    await windowWithRoom();
    const res = await post(gw.url);
    assert.equal(res.status, 200);
    const text = await gw.metricsText();
    await gw.assertIdle();
    return { body: res.text, text, tpmCount: gw.gateway.deployments[0].counters.tokens() };
  } finally {
    await gw.close();
    await mock.close();
  }
}

describe('streamed usage and token counters', () => {
  it('a group with a tpm limit: the stream is asked for its usage, the client does not see it, tpm counts it', async () => {
    const r = await streamOnce(', tpm: 1000000');
    assert.ok(!r.body.includes('"usage"'), 'no usage event reaches the client');
    assert.match(r.body, /data: \[DONE\]\n\n$/);
    const prompt = tokens(r.text, 'prompt');
    assert.ok(prompt > 0);
    assert.equal(tokens(r.text, 'completion'), CHUNKS);
    assert.equal(r.tpmCount, prompt + CHUNKS);
    assert.equal(itlCount(r.text), 1);
  });

  it('no tpm limit: the stream is left as it is, its prompt estimated and its output not counted', async () => {
    const r = await streamOnce('');
    assert.ok(tokens(r.text, 'prompt') > 0);
    assert.equal(tokens(r.text, 'completion'), 0);
    assert.equal(itlCount(r.text), 0);
  });

  it('stream_usage: always asks every stream', async () => {
    const r = await streamOnce('', 'spillway: { stream_usage: always }');
    assert.ok(!r.body.includes('"usage"'));
    assert.equal(tokens(r.text, 'completion'), CHUNKS);
    assert.equal(itlCount(r.text), 1);
  });

  it('a client that asked for usage keeps its usage event, and it is counted', async () => {
    const mock = await startMock({ chunks: CHUNKS });
    const gw = await startGateway(yaml(`${mock.url}/v1`, ''));
    try {
      const res = await post(gw.url, {}, { stream_options: { include_usage: true } });
      assert.match(res.text, /"usage"/);
      const plain = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(plain.status, 200);
      await plain.text();
      const text = await gw.metricsText();
      assert.equal(tokens(text, 'completion'), 2 * CHUNKS);
      assert.equal(itlCount(text), 1);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
