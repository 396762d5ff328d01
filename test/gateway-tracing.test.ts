// Trace context and request ids reach the engine on every attempt, with tracing off and on; with it on, the
// spans (request, a child per stage and per attempt) reach an in-process OTLP/HTTP receiver.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { startGateway } from './helpers/gateway.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;

const completion = JSON.stringify({
  id: 'c',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

/** An engine that records each request's headers; `failFirst` answers the first request 500. */
async function engine(failFirst = false) {
  const seen: IncomingHttpHeaders[] = [];
  const up = await scriptedUpstream((req, res) => {
    seen.push(req.headers);
    const status = failFirst && seen.length === 1 ? 500 : 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? completion : '{"error":{"message":"boom"}}');
  });
  return { up, seen };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** An OTLP/HTTP receiver on 127.0.0.1 that keeps the JSON export requests it gets. */
async function otlpReceiver() {
  const bodies: { resourceSpans: { resource: OtlpSpan; scopeSpans: { spans: OtlpSpan[] }[] }[] }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      assert.match(String(req.headers['content-type']), /json/);
      bodies.push(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return {
    url,
    spans: () => bodies.flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))),
    serviceNames: () =>
      bodies.flatMap((b) =>
        b.resourceSpans.flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name')),
      ),
    close: () => server.close(),
  };
}

const yaml = (api: string, extra = '') => `
model_list:
  - model_name: m
    litellm_params: { model: openai/x, api_base: "${api}" }
router_settings: { num_retries: 1 }
${extra}
`;

const chat = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
  });

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};

describe('trace context to the engine', () => {
  it('tracing off: the request id always, the client traceparent as it came, on every attempt', async () => {
    const { up, seen } = await engine(true);
    const gw = await startGateway(yaml(up.url));
    try {
      const res = await chat(gw.url, { traceparent: TRACEPARENT, 'x-request-id': 'req-1' });
      assert.equal(res.status, 200);
      await res.text();
      assert.equal(seen.length, 2);
      for (const h of seen) {
        assert.equal(h['x-request-id'], 'req-1');
        assert.equal(h.traceparent, TRACEPARENT);
      }
      const plain = await chat(gw.url, { traceparent: 'not-a-traceparent' });
      await plain.text();
      assert.equal(seen[2]['x-request-id'], plain.headers.get('x-request-id'));
      assert.equal(seen[2].traceparent, undefined);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('tracing on: a request span continuing the client trace, a span per stage and per attempt', async () => {
    const { up, seen } = await engine(true);
    const otlp = await otlpReceiver();
    const gw = await startGateway(
      yaml(up.url, `spillway: { tracing: { enabled: true, endpoint: "${otlp.url}", service_name: gw-test } }`),
    );
    try {
      const res = await chat(gw.url, { traceparent: TRACEPARENT, 'x-request-id': 'req-2' });
      assert.equal(res.status, 200);
      await res.text();
      await gw.assertIdle();
    } finally {
      // Shutdown sends the spans still batched.
      await gw.close();
      await up.close();
    }
    try {
      const spans = otlp.spans();
      assert.deepEqual(otlp.serviceNames(), [{ key: 'service.name', value: { stringValue: 'gw-test' } }]);
      const names = spans.map((s) => s.name).sort();
      assert.deepEqual(names, ['admission', 'attempt', 'attempt', 'ingress', 'request', 'router', 'router']);
      for (const s of spans) assert.equal(s.traceId, CLIENT_TRACE);
      const root = spans.find((s) => s.name === 'request')!;
      assert.equal(root.parentSpanId, CLIENT_SPAN);
      assert.equal(attr(root, 'spillway.request_id'), 'req-2');
      assert.equal(attr(root, 'spillway.model_group'), 'm');
      assert.equal(attr(root, 'spillway.outcome'), 'upstream_response');
      assert.equal(attr(root, 'http.response.status_code'), 200);
      for (const s of spans) if (s !== root) assert.equal(s.parentSpanId, root.spanId, s.name);
      const attempts = spans
        .filter((s) => s.name === 'attempt')
        .sort((a, b) => (attr(a, 'spillway.attempt')! > attr(b, 'spillway.attempt')! ? 1 : -1));
      assert.deepEqual(
        attempts.map((s) => [attr(s, 'spillway.deployment'), attr(s, 'http.response.status_code')]),
        [
          ['m-0', 500],
          ['m-0', 200],
        ],
      );
      // Each attempt reached the engine under its own span, with the request's id.
      assert.deepEqual(
        seen.map((h) => [h.traceparent, h['x-request-id']]),
        attempts.map((s) => [`00-${CLIENT_TRACE}-${s.spanId}-01`, 'req-2']),
      );
    } finally {
      otlp.close();
    }
  });
});
