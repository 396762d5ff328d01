// Issue 10, finding 7: what the gateway echoes of client input is bounded, and a stream that ends without
// `data: [DONE]` is counted as broken, not as a success.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertZero } from './helpers/accounting.ts';
import { chunk, metric } from './helpers/backpressure.ts';
import { startGateway } from './helpers/gateway.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';

describe('echoes of client input are truncated', () => {
  it('a 900 KB model name and a long unknown path come back cut to 256 characters', async () => {
    const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/x, api_base: "http://127.0.0.1:9/v1" }
`);
    try {
      const name = 'n'.repeat(900_000);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(res.status, 404);
      const text = await res.text();
      assert.ok(text.length < 1000, `404 body of ${text.length} bytes`);
      const e = (JSON.parse(text) as { error: { code: string; message: string; param: string } }).error;
      assert.equal(e.code, 'model_not_found');
      assert.equal(e.param, 'model');
      assert.ok(e.message.includes(`"${'n'.repeat(256)}…"`), e.message);
      assert.ok(e.message.includes('Known model groups: demo'));

      const path = `/v1/${'p'.repeat(6000)}`;
      const notFound = await fetch(gw.url + path, { method: 'POST' });
      assert.equal(notFound.status, 404);
      const m = ((await notFound.json()) as { error: { message: string } }).error.message;
      assert.ok(m.length < 400 && m.includes(`${path.slice(0, 256)}…`), m);
    } finally {
      await gw.close();
    }
  });
});

describe('a stream that ends without data: [DONE]', () => {
  it('is counted as upstream_broken_stream and a deployment failure; complete streams and non-streams are not', async () => {
    const up = await scriptedUpstream((_req, res, body) => {
      const mode = (body.messages as { content: string }[])[0].content;
      if (mode === 'json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"choices":[]}');
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (mode === 'truncated') return res.end(chunk('a')); // closes cleanly, mid-answer
      res.write(`${chunk('a')}data: [DO`);
      res.end('NE]\n\n'); // the marker split across two chunks
    });
    const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/x, api_base: "${up.url}" }
    model_info: { id: d0 }
router_settings: { routing_strategy: kv-aware, allowed_fails: 100 }
`);
    const ask = (content: string, stream = true) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo', stream, messages: [{ role: 'user', content }] }),
      });
    try {
      const truncated = await ask('truncated');
      assert.equal(truncated.status, 200);
      // The client has what the upstream sent; the cut tells it the answer is not whole.
      const reader = truncated.body!.getReader();
      let got = '';
      await assert.rejects(async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          got += Buffer.from(value).toString();
        }
      }, /terminated/);
      assert.match(got, /"content":"a"/);
      assert.match(await (await ask('whole')).text(), /data: \[DONE\]\n\n$/);
      assert.equal(await (await ask('json', false)).text(), '{"choices":[]}');
      // A streaming request answered with JSON (not SSE) is not held to the [DONE] rule.
      assert.equal((await ask('json')).status, 200);

      const text = await gw.metricsText();
      assert.equal(metric(text, 'spillway_requests_total', 'status="502"'), 1);
      assert.equal(metric(text, 'spillway_requests_total', 'status="200"'), 3);
      assert.equal(
        metric(text, 'spillway_deployment_failure_responses_total', 'deployment="d0",status="broken_stream"'),
        1,
      );
      await assertZero(gw);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
