// Fallbacks as LiteLLM defines them, against real servers: after a group's retries fail the request goes to the
// next group of its chain (its model rewritten for that group's deployments); the engine's context-length error
// and a content-policy refusal go to their own chains at once; a 4xx no chain takes reaches the client as the
// engine sent it; the hops are bounded by max_fallbacks. Accounting is back to zero after each.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { assertZero } from './helpers/accounting.ts';
import { metric } from './helpers/backpressure.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';
import { errorUpstream, type ScriptedUpstream, scriptedUpstream } from './helpers/upstreams.ts';

const completion = (model: string) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  });

/** An upstream that answers every request with a completion naming the model it was sent. */
const okUpstream = () =>
  scriptedUpstream((_q, res: ServerResponse, body) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(completion(String(body.model)));
  });

/** Groups a, b, c, one deployment each (upstream models xa, xb, xc), with `router` settings. */
const cfg = (apis: Record<string, string>, router: string) => `
model_list:
${Object.entries(apis)
  .map(
    ([g, api]) =>
      `  - { model_name: ${g}, litellm_params: { model: openai/x${g}, api_base: "${api}" }, model_info: { id: ${g}1 } }`,
  )
  .join('\n')}
router_settings:
  num_retries: 1
${router}
`;

const ask = async (gw: RunningGateway, model = 'a') => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
};

async function withGroups(
  ups: Record<string, Promise<ScriptedUpstream>>,
  router: string,
  body: (gw: RunningGateway, up: Record<string, ScriptedUpstream>) => Promise<void>,
): Promise<void> {
  const up: Record<string, ScriptedUpstream> = {};
  for (const [g, p] of Object.entries(ups)) up[g] = await p;
  const gw = await startGateway(cfg(Object.fromEntries(Object.entries(up).map(([g, u]) => [g, u.url])), router));
  try {
    await body(gw, up);
    await assertZero(gw);
  } finally {
    await gw.close();
    for (const u of Object.values(up)) await u.close();
  }
}

const CONTEXT_LENGTH =
  "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the " +
  'messages, 1000 in the completion). Please reduce the length of the messages or completion.';

describe('fallbacks', () => {
  it("after the group's retries fail: the next group answers, its model rewritten, named in x-spillway-fallback-to", () =>
    withGroups(
      { a: errorUpstream(500, 'boom', 'server_error'), b: okUpstream() },
      '  fallbacks: [{ a: [b] }]',
      async (gw, up) => {
        const r = await ask(gw);
        assert.equal(r.status, 200);
        assert.equal(r.json.model, 'xb');
        assert.equal(r.headers.get('x-spillway-fallback-to'), 'b');
        assert.equal(r.headers.get('x-spillway-deployment'), 'b1');
        assert.equal(up.a.requests, 2, 'the first attempt and its one retry');
        const text = await gw.metricsText();
        assert.equal(metric(text, 'spillway_fallbacks_total', 'model_group="a",to="b",kind="general"'), 1);
        assert.equal(metric(text, 'spillway_requests_total', 'model_group="b",deployment="b1",status="200"'), 1);
      },
    ));

  it("default_fallbacks when the group has no entry of its own; a fallback group's failure is the answer", () =>
    withGroups(
      { a: errorUpstream(503, 'busy', 'server_error'), b: errorUpstream(502, 'bad gateway', 'server_error') },
      '  default_fallbacks: [b]',
      async (gw, up) => {
        const r = await ask(gw);
        assert.equal(r.status, 502);
        assert.equal(r.json.error.code, 'upstream_error');
        assert.match(r.json.error.message, /deployment "b1" answered 502/);
        assert.deepEqual([up.a.requests, up.b.requests], [2, 2]);
      },
    ));

  it("the engine's context-length error goes to context_window_fallbacks at once, without a retry", () =>
    withGroups(
      { a: errorUpstream(400, CONTEXT_LENGTH, 'BadRequestError'), b: okUpstream(), c: okUpstream() },
      '  fallbacks: [{ a: [b] }]\n  context_window_fallbacks: [{ a: [c] }]',
      async (gw, up) => {
        const r = await ask(gw);
        assert.equal(r.status, 200);
        assert.equal(r.json.model, 'xc');
        assert.equal(r.headers.get('x-spillway-fallback-to'), 'c');
        assert.deepEqual([up.a.requests, up.b.requests], [1, 0]);
        const text = await gw.metricsText();
        assert.equal(metric(text, 'spillway_fallbacks_total', 'kind="context_window"'), 1);
      },
    ));

  it('a content-policy refusal goes to content_policy_fallbacks', () =>
    withGroups(
      {
        a: scriptedUpstream((_q, res) => {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: { message: 'refused', type: 'invalid_request_error', code: 'content_policy_violation' },
            }),
          );
        }),
        b: okUpstream(),
      },
      '  content_policy_fallbacks: [{ a: [b] }]',
      async (gw, up) => {
        const r = await ask(gw);
        assert.equal(r.status, 200);
        assert.equal(r.json.model, 'xb');
        assert.equal(up.a.requests, 1);
      },
    ));

  it('a 400 no chain takes reaches the client as the engine sent it, and is not retried', () =>
    withGroups(
      { a: errorUpstream(400, "'messages' must be a list", 'BadRequestError'), b: okUpstream() },
      '  fallbacks: [{ a: [b] }]',
      async (gw, up) => {
        const r = await ask(gw);
        assert.equal(r.status, 400);
        assert.equal(r.json.error.message, "'messages' must be a list");
        assert.equal(r.headers.get('x-spillway-deployment'), 'a1');
        assert.deepEqual([up.a.requests, up.b.requests], [1, 0]);
      },
    ));

  it('hops are bounded by max_fallbacks; the path goes back up the chains (a → b → c, then a → d)', async () => {
    const failing = () => errorUpstream(500, 'boom', 'server_error');
    await withGroups(
      { a: failing(), b: failing(), c: failing(), d: okUpstream() },
      '  fallbacks: [{ a: [b, d] }, { b: [c] }]\n  max_fallbacks: 2',
      async (gw, up) => {
        const r = await ask(gw);
        assert.equal(r.status, 502);
        assert.equal(r.json.error.code, 'upstream_error');
        assert.match(r.json.error.message, /deployment "c1"/);
        assert.deepEqual([up.a.requests, up.b.requests, up.c.requests, up.d.requests], [2, 2, 2, 0]);
      },
    );
    await withGroups(
      { a: failing(), b: failing(), c: failing(), d: okUpstream() },
      '  fallbacks: [{ a: [b, d] }, { b: [c] }]\n  max_fallbacks: 3',
      async (gw) => {
        const r = await ask(gw);
        assert.equal(r.status, 200);
        assert.equal(r.json.model, 'xd');
      },
    );
  });
});
