// Client aborts reach the upstream; SIGTERM keeps answering (503) for the drain delay, then drains in-flight
// requests and exits 0.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { eventually, startGateway } from './helpers/gateway.ts';
import { serveGateway } from './helpers/serve.ts';

// One model group `m` over one mock, and the request every test sends to it.
const oneGroupOver = (mockUrl: string) =>
  `model_list:\n  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mockUrl}/v1" } }\n`;
const CHAT = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };
const postChat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CHAT),
  });

/** A proxy request during the drain delay: 503 shutting_down, and the connection is not kept. */
async function assertRefusedWhileDraining(url: string): Promise<void> {
  const res = await postChat(url);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('connection'), 'close');
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'shutting_down');
}

describe('lifecycle', () => {
  it('aborts the upstream request at once when the client disconnects', async () => {
    const mock = await startMock({ port: 0, latencyMs: 5000 });
    const gw = await startGateway(oneGroupOver(mock.url));
    try {
      const ac = new AbortController();
      const received = once(mock.events, 'request');
      const aborted = once(mock.events, 'aborted');
      const pending = gw
        .client()
        .chat.completions.create(
          { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] },
          { signal: ac.signal },
        );
      await received;
      ac.abort();
      await assert.rejects(pending);
      await aborted;
      assert.equal(mock.stats.aborted, 1);
      await eventually(() => gw.gateway.deployments[0].inFlight === 0, 'the slot is released');
      const text = await gw.metricsText();
      assert.match(text, /spillway_requests_total\{model_group="m",deployment="m-0",status="499"\} 1/);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('shutdown waits for the in-flight request and resolves as it finishes', async () => {
    const mock = await startMock({ port: 0, latencyMs: 300 });
    const gw = await startGateway(oneGroupOver(mock.url));
    try {
      const received = once(mock.events, 'request');
      const pending = gw.client().chat.completions.create(CHAT);
      await received;
      assert.equal(await gw.gateway.shutdown(10_000), true);
      assert.equal(mock.stats.served, 1, 'the upstream answered before shutdown resolved');
      assert.equal((await pending).object, 'chat.completion');
      assert.equal(gw.gateway.deployments[0].inFlight, 0);
    } finally {
      await mock.close();
    }
  });

  it('shutdown gives up when the grace period ends before the in-flight request, and cuts it', async () => {
    const mock = await startMock({ port: 0, latencyMs: 5000 });
    const gw = await startGateway(oneGroupOver(mock.url));
    try {
      const received = once(mock.events, 'request');
      const pending = gw.client().chat.completions.create(CHAT);
      await received;
      const cut = assert.rejects(pending);
      assert.equal(await gw.gateway.shutdown(50), false);
      await cut;
    } finally {
      await mock.close();
    }
  });

  it('a request whose body is still arriving when shutdown begins is refused with 503 shutting_down', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url));
    try {
      const body = JSON.stringify(CHAT);
      const req = http.request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
      req.write(body.slice(0, 10));
      // The gateway has the request (and its first bytes) once the server has seen the connection's request.
      await once(gw.gateway.server, 'request');
      const closing = gw.gateway.shutdown(5000);
      req.end(body.slice(10));
      const [res] = await response;
      let text = '';
      for await (const chunk of res) text += chunk;
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(JSON.parse(text).error.code, 'shutting_down');
      assert.equal(await closing, true);
      assert.equal(mock.stats.received, 0, 'nothing reached the upstream');
    } finally {
      await mock.close();
    }
  });

  it('during the drain delay readiness answers 503 and new requests 503 shutting_down; then the listener closes', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url));
    try {
      assert.equal((await fetch(`${gw.url}/health/readiness`)).status, 200);
      const closing = gw.gateway.shutdown(5000, 1500);
      const ready = await fetch(`${gw.url}/health/readiness`);
      assert.equal(ready.status, 503, 'readiness, not ECONNREFUSED');
      assert.equal(((await ready.json()) as { status: string }).status, 'draining');
      await assertRefusedWhileDraining(gw.url);
      assert.equal(await closing, true);
      await assert.rejects(fetch(`${gw.url}/health/readiness`), 'the listener is closed after the delay');
      assert.equal(mock.stats.received, 0);
    } finally {
      await mock.close();
    }
  });

  it('on SIGTERM answers 503 for drain_delay_ms, finishes the in-flight request, exits 0', async () => {
    const mock = await startMock({ port: 0, latencyMs: 400 });
    const gw = await serveGateway(`${oneGroupOver(mock.url)}spillway:\n  drain_delay_ms: 1500\n`);
    try {
      const received = once(mock.events, 'request');
      const inFlight = postChat(gw.url);
      await received;
      const exited = once(gw.child, 'exit');
      gw.child.kill('SIGTERM');
      // Readiness turns 503 once the signal is handled; the listener stays open meanwhile.
      const deadline = Date.now() + 5000;
      while ((await fetch(`${gw.url}/health/readiness`)).status !== 503)
        assert.ok(Date.now() < deadline, 'readiness turned 503');
      await assertRefusedWhileDraining(gw.url);
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { object: string }).object, 'chat.completion');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      await gw.kill();
      await mock.close();
    }
  });

  it('on SIGINT skips the drain delay and exits 0', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await serveGateway(`${oneGroupOver(mock.url)}spillway:\n  drain_delay_ms: 60000\n`);
    try {
      const exited = once(gw.child, 'exit');
      gw.child.kill('SIGINT');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      await gw.kill();
      await mock.close();
    }
  });
});
