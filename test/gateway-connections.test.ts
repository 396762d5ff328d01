// Connection hygiene (issue 10, findings 3 and 6): lingering read after an early answer, head and keep-alive
// timeouts, the connection cap and the separate ops listener.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { startMock } from '../src/mock/server.ts';
import { eventually, startGateway } from './helpers/gateway.ts';
import { serveGateway } from './helpers/serve.ts';

const oneGroupOver = (mockUrl: string, spillway = '') =>
  `model_list:\n  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mockUrl}/v1" } }\n${spillway && `spillway:\n${spillway}`}`;

/** A raw TCP connection to `url`, with whatever it received and whether the gateway closed it. */
async function connect(url: string): Promise<{ socket: net.Socket; received: () => string; closed: () => boolean }> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let text = '';
  let closed = false;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  await once(socket, 'connect');
  return { socket, received: () => text, closed: () => closed };
}

async function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http.get(url, { agent }, resolve).on('error', reject),
  );
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode!, body };
}

describe('refused bodies reach the client (lingering read)', () => {
  it('the official SDK sending 11.5 MB gets the 413 and its message, with and without retries, sent once each', async () => {
    const mock = await startMock({ port: 0 });
    // Its own process: with client and gateway on one event loop the early close never raced the upload.
    const gw = await serveGateway(oneGroupOver(mock.url));
    try {
      const content = 'x'.repeat(11.5 * 1024 * 1024);
      const calls = [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2].map(
        (maxRetries) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries }),
      );
      for (const client of calls) {
        const err = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content }] }).then(
          () => assert.fail('a body over the limit was accepted'),
          (e: unknown) => e,
        );
        assert.ok(
          err instanceof APIError,
          `an APIError, not ${(err as Error).constructor.name}: ${(err as Error).message}`,
        );
        assert.equal(err.status, 413);
        assert.match(err.message, /exceeds max_request_size_mb \(10\.0 MB\)/);
      }
      // A connection error would have been retried: the gateway saw exactly one request per call.
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(
        metrics,
        new RegExp(`spillway_requests_total\\{model_group="none",deployment="none",status="413"\\} ${calls.length}\\n`),
      );
      assert.equal(mock.stats.received, 0);
    } finally {
      await gw.kill();
      await mock.close();
    }
  });

  it('after the rest of a refused body has been read, the connection serves the next request', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(
      oneGroupOver(mock.url).replace('model_list', 'general_settings: { max_request_size_mb: 1 }\nmodel_list'),
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Over the 1 MB limit, refused on its declared length, and read to its end by the lingering read.
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(1.5 * 1024 * 1024) }] });
      const req = http.request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      });
      req.end(body);
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      res.resume();
      await once(res, 'end');
      assert.equal(res.statusCode, 413);
      assert.equal(res.headers.connection, 'keep-alive');
      const next = http.request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      });
      next.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      const [ok] = (await once(next, 'response')) as [http.IncomingMessage];
      ok.resume();
      await once(ok, 'end');
      assert.equal(ok.statusCode, 200);
      assert.equal(next.reusedSocket, true, 'the same connection');
      await gw.assertIdle();
    } finally {
      agent.destroy();
      await gw.close();
      await mock.close();
    }
  });

  it('a body that stops arriving after the answer is cut once linger_ms has passed', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  linger_ms: 200\n'));
    try {
      const c = await connect(gw.url);
      // Refused before its body is read (no master key needed, no such path), then the client stalls.
      c.socket.write(
        'POST /v1/nope HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"model":',
      );
      await eventually(
        () => c.received().includes('"code":"not_found"') || c.received().includes('404'),
        'the 404 arrives',
        5000,
      );
      assert.equal(c.closed(), false, 'still open while lingering');
      await eventually(c.closed, 'the gateway closes the connection after linger_ms', 5000);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('a body that keeps arriving after the answer is cut after twice max_request_size_mb', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(
      oneGroupOver(mock.url).replace('model_list', 'general_settings: { max_request_size_mb: 1 }\nmodel_list'),
    );
    try {
      const c = await connect(gw.url);
      c.socket.write(
        'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n',
      );
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      while (!c.closed() && written < 100_000_000) {
        written += chunk.length;
        // The cut arrives as a reset (an 'error', which once() rejects with) or a close.
        if (!c.socket.write(chunk))
          await Promise.race([once(c.socket, 'drain'), once(c.socket, 'close')]).catch(() => {});
      }
      assert.ok(c.closed(), 'cut');
      assert.match(c.received(), /^HTTP\/1\.1 413/);
      // 2 MB read after the answer, plus what the two kernels' socket buffers held.
      assert.ok(written < 50_000_000, `cut after ${written} bytes`);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('idle connections', () => {
  it('sockets that never send a byte are all answered 408 and closed within header_timeout_ms (+ the 1 s checking interval)', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  header_timeout_ms: 300\n'));
    try {
      const sockets = await Promise.all(Array.from({ length: 200 }, () => connect(gw.url)));
      // And some that never read what they are sent: the gateway must not wait for them to close their side.
      const { hostname, port } = new URL(gw.url);
      const deaf = await Promise.all(
        Array.from({ length: 20 }, () => once(net.connect(Number(port), hostname), 'connect')),
      );
      assert.equal(deaf.length, 20);
      const opened = performance.now();
      await eventually(() => sockets.every((s) => s.closed()), 'every idle socket closed', 5000);
      assert.ok(performance.now() - opened >= 250, 'not before the timeout');
      for (const s of sockets) assert.match(s.received(), /^HTTP\/1.1 408 [\s\S]*"code":"request_timeout"/);
      // The server's side of every socket is gone, the deaf ones' included (polled: no event tells it).
      const openNow = () =>
        new Promise<number>((resolve, reject) =>
          gw.gateway.server.getConnections((e, n) => (e ? reject(e) : resolve(n))),
        );
      for (const deadline = performance.now() + 5000; (await openNow()) > 0 && performance.now() < deadline; )
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await openNow(), 0, 'server-side connections left open');
      // The gateway still serves, and says what it closed.
      assert.equal((await get(`${gw.url}/health/liveness`)).status, 200);
      const text = (await get(`${gw.url}/metrics`)).body;
      assert.match(text, /spillway_client_connections_closed_total\{listener="public",reason="header_timeout"\} 220\n/);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('a head that stalls after its first bytes is answered 408 and closed', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  header_timeout_ms: 300\n'));
    try {
      const c = await connect(gw.url);
      c.socket.write('GET /health/liveness HTTP/1.1\r\nhost: x\r\n');
      await eventually(c.closed, 'the stalled head is closed', 5000);
      assert.match(c.received(), /^HTTP\/1.1 408 [\s\S]*"code":"request_timeout"/);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it("what Node's HTTP parser refuses is answered in the OpenAI error shape (400, 431), then the connection closes", async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, ''));
    try {
      const cases: Array<[string, number, string]> = [
        ['GARBAGE\r\n\r\n', 400, 'invalid_http_request'],
        [
          `GET /health/liveness HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
          431,
          'request_header_too_large',
        ],
      ];
      for (const [input, status, code] of cases) {
        const c = await connect(gw.url);
        c.socket.write(input);
        await eventually(c.closed, `the connection is closed after ${status}`, 5000);
        const [head, body] = c.received().split('\r\n\r\n');
        assert.match(head, new RegExp(`^HTTP/1.1 ${status} `));
        assert.match(head, /\r\nx-request-id: [0-9a-f-]{36}\r\n/);
        const e = JSON.parse(body).error;
        assert.equal(e.code, code);
        assert.equal(e.type, 'invalid_request_error');
      }
      const text = (await get(`${gw.url}/metrics`)).body;
      assert.match(text, /spillway_client_connections_closed_total\{listener="public",reason="client_error"\} 2\n/);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('a body that stalls short of its content-length is answered 408 request_timeout after request_timeout_ms', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  header_timeout_ms: 300\n  request_timeout_ms: 400\n'));
    try {
      const c = await connect(gw.url);
      const body = '{"model":"m","messages":[{"role":"user","content":"hi"}]}';
      c.socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length + 100}\r\n\r\n${body}`,
      );
      await eventually(c.closed, 'the stalled body is answered and closed', 5000);
      const [head, json] = c.received().split('\r\n\r\n');
      assert.match(head, /^HTTP\/1.1 408 /);
      assert.equal(JSON.parse(json).error.code, 'request_timeout');
      await gw.assertIdle();
      assert.match(
        await gw.metricsText(),
        /spillway_client_connections_closed_total\{listener="public",reason="request_timeout"\} 1\n/,
      );
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('an idle keep-alive connection is closed after keep_alive_timeout_ms', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  keep_alive_timeout_ms: 200\n'));
    try {
      const c = await connect(gw.url);
      c.socket.write('GET /health/liveness HTTP/1.1\r\nhost: x\r\n\r\n');
      await eventually(() => c.received().includes('{"status":"ok"}'), 'the answer', 5000);
      assert.match(c.received(), /keep-alive: timeout=0/i);
      // Node adds keepAliveTimeoutBuffer (1 s) to the advertised timeout before it closes.
      await eventually(c.closed, 'the idle connection is closed', 5000);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('neither timeout cuts a request the upstream takes longer than both to answer', async () => {
    const mock = await startMock({ port: 0, latencyMs: 1200 });
    const gw = await startGateway(oneGroupOver(mock.url, '  header_timeout_ms: 200\n  keep_alive_timeout_ms: 200\n'));
    try {
      const stream = await gw
        .client()
        .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
      let chunks = 0;
      for await (const _ of stream) chunks++;
      assert.ok(chunks > 0);
      const done = await gw
        .client()
        .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(done.object, 'chat.completion');
      await gw.assertIdle();
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});

describe('connection cap and ops listener', () => {
  it('beyond max_connections a new connection is closed at once while the existing ones still work', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  max_connections: 3\n'));
    try {
      const held = await Promise.all([connect(gw.url), connect(gw.url), connect(gw.url)]);
      const dropped = once(gw.gateway.server, 'drop');
      const extra = await connect(gw.url);
      await dropped;
      await eventually(extra.closed, 'the connection over the cap is closed');
      assert.equal(extra.received(), '');
      held[0].socket.write('GET /health/liveness HTTP/1.1\r\nhost: x\r\n\r\n');
      await eventually(() => held[0].received().includes('{"status":"ok"}'), 'a held connection is served');
      assert.ok(held.every((h) => !h.closed()));
      // Read in process: one more connection to /metrics would be over the cap.
      const text = await gw.gateway.metrics.registry.metrics();
      assert.match(text, /spillway_client_connections\{listener="public"\} 3\n/);
      assert.match(text, /spillway_client_connections_closed_total\{listener="public",reason="max_connections"\} 1\n/);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('ops_port serves health, metrics and admin while the public port is at its cap; the public port serves the API only', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(oneGroupOver(mock.url, '  max_connections: 20\n  ops_port: 0\n'));
    try {
      const opsUrl = gw.gateway.opsUrl!;
      assert.ok(opsUrl, 'the ops listener has a URL');
      const chat = await gw
        .client()
        .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(chat.object, 'chat.completion');
      assert.equal((await get(`${gw.url}/health/liveness`)).status, 404);
      assert.equal((await get(`${gw.url}/metrics`)).status, 404);
      assert.equal((await get(`${opsUrl}/v1/models`)).status, 404);
      // Saturate the public port.
      const held = await Promise.all(Array.from({ length: 20 }, () => connect(gw.url)));
      const extra = await connect(gw.url);
      await eventually(extra.closed, 'the public port refuses more');
      const live = await get(`${opsUrl}/health/liveness`);
      assert.deepEqual(live, { status: 200, body: '{"status":"ok"}' });
      assert.equal((await get(`${opsUrl}/health/readiness`)).status, 200);
      const opsMetrics = (await get(`${opsUrl}/metrics`)).body;
      assert.match(opsMetrics, /spillway_requests_total\{model_group="m",deployment="m-0",status="200"\} 1/);
      assert.match(opsMetrics, /spillway_client_connections\{listener="public"\} 20\n/);
      assert.match(opsMetrics, /spillway_client_connections\{listener="ops"\} [1-9]\d*\n/);
      for (const h of held) h.socket.destroy();
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
