// Issue 10, finding 1: one small request must not take the gateway (and every stream in flight) down. A gateway
// under 20 concurrent healthy streams receives every known crash case; the streams all complete, the process
// stays up (an uncaught exception would end this test file's process) and the accounting returns to zero.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { assertZero } from './helpers/accounting.ts';
import { chunk } from './helpers/backpressure.ts';
import { eventually, startGateway } from './helpers/gateway.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';

/** An upstream that starts every stream at once, then holds it open until the test lets every one finish. */
async function slowStreams() {
  const open: ServerResponse[] = [];
  let released = false;
  const finish = (res: ServerResponse) => res.end(`${chunk('b')}data: [DONE]\n\n`);
  const up = await scriptedUpstream((_req, res, body) => {
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'list',
          data: [],
          choices: [{ index: 0, text: 'ok', finish_reason: 'stop' }],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk('a'));
    if (released) finish(res);
    else open.push(res);
  });
  return Object.assign(up, {
    open: () => open.length,
    release() {
      released = true;
      for (const res of open.splice(0)) finish(res);
    },
  });
}

const nest = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);
const messages = '[{"role":"user","content":"hello"}]';

/** The bodies that crashed the process before issue 10 (each ~12 KB), with the path the depth check names. */
const deepArrays = (field: string) => new RegExp(`^…?(${field})?(\\[0\\]){100,}$`);
const crashCases = [
  {
    what: 'escaped "model", deep arrays elsewhere',
    path: '/v1/chat/completions',
    body: `{"model":"d\\u0065mo","messages":${messages},"x":${nest(6000, '')}}`,
    param: deepArrays('x'),
  },
  {
    what: 'duplicated "model", deep arrays elsewhere',
    path: '/v1/chat/completions',
    body: `{"model":"demo","model":"demo","messages":${messages},"x":${nest(6000, '')}}`,
    param: deepArrays('x'),
  },
  {
    what: 'escaped key "model", deep objects elsewhere',
    path: '/v1/chat/completions',
    body: `{"m\\u006fdel":"demo","messages":${messages},"x":${'{"a":'.repeat(2400)}1${'}'.repeat(2400)}}`,
    param: /^x(\.a){127}$/,
  },
  {
    what: 'completions prompt nested 12,000 deep',
    path: '/v1/completions',
    body: `{"model":"demo","prompt":${nest(12_000, '"hi"')}}`,
    param: deepArrays('prompt'),
  },
  {
    what: 'embeddings input nested 12,000 deep',
    path: '/v1/embeddings',
    body: `{"model":"demo","input":${nest(12_000, '"hi"')}}`,
    param: deepArrays('input'),
  },
];

const configs = {
  'kv-aware routing (load model on)': 'router_settings: { routing_strategy: kv-aware }',
  'back pressure on': 'spillway: { backpressure: { enabled: true, engine: { limit: { initial: 64 } } } }',
};

describe('crash isolation: a gateway under 20 streams receives every crash case', () => {
  for (const [name, extra] of Object.entries(configs)) {
    it(name, async () => {
      const up = await slowStreams();
      // The upstream model name differs from the group name: the model is rewritten in the client's bytes.
      const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/upstream-demo, api_base: "${up.url}" }
${extra}
`);
      try {
        const streams = Array.from({ length: 20 }, async () => {
          const res = await fetch(`${gw.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'demo', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
          });
          assert.equal(res.status, 200);
          return res.text();
        });
        await eventually(() => up.open() === 20, '20 streams in flight');
        for (const c of crashCases) {
          assert.ok(c.body.length >= 12_000 && c.body.length < 30_000, `${c.what}: ${c.body.length} bytes`);
          const res = await fetch(gw.url + c.path, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: c.body,
          });
          const json = (await res.json()) as { error: { code: string; type: string; param: string } };
          assert.equal(res.status, 400, c.what);
          assert.equal(json.error.code, 'json_too_deep', c.what);
          assert.equal(json.error.type, 'invalid_request_error', c.what);
          assert.match(json.error.param, c.param, c.what);
        }
        assert.equal((await fetch(`${gw.url}/health/liveness`)).status, 200);
        assert.equal(up.open(), 20, 'every stream still in flight after the crash cases');
        up.release();
        for (const text of await Promise.all(streams)) {
          assert.match(text, /"content":"a".*"content":"b".*data: \[DONE\]/s);
        }
        assert.equal(up.requests, 20, 'no crash case reached the upstream');
        await assertZero(gw);
      } finally {
        await gw.close();
        await up.close();
      }
    });
  }
});

describe('the walks behind the depth check are iterative', () => {
  it('with max_json_depth raised past the crash depth, every crash case is served and the upstream sees its own model name', async () => {
    const up = await slowStreams();
    const gw = await startGateway(`
model_list:
  - model_name: demo
    litellm_params: { model: openai/upstream-demo, api_base: "${up.url}" }
router_settings: { routing_strategy: kv-aware }
spillway: { max_json_depth: 1000000 }
`);
    try {
      for (const c of crashCases) {
        const res = await fetch(gw.url + c.path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: c.body,
        });
        assert.equal(res.status, 200, `${c.what}: ${await res.clone().text()}`);
        await res.text();
      }
      // Escaped, duplicated or plain: the upstream gets exactly one name, its own.
      assert.deepEqual(
        up.bodies.map((b) => (b as { model: string }).model),
        crashCases.map(() => 'upstream-demo'),
      );
      await assertZero(gw);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
