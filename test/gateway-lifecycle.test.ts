// Client aborts reach the upstream; SIGTERM drains in-flight requests and exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { eventually, startGateway } from './helpers/gateway.ts';

// One model group `m` over one mock, and the request every test sends to it.
const oneGroupOver = (mockUrl: string) => `model_list:\n  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mockUrl}/v1" } }\n`;
const CHAT = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }] };

describe('lifecycle', () => {
  it('aborts the upstream request at once when the client disconnects', async () => {
    const mock = await startMock({ port: 0, latencyMs: 5000 });
    const gw = await startGateway(oneGroupOver(mock.url));
    try {
      const ac = new AbortController();
      const received = once(mock.events, 'request');
      const aborted = once(mock.events, 'aborted');
      const pending = gw.client().chat.completions.create(
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

  it('on SIGTERM stops accepting, finishes the in-flight request, exits 0', async () => {
    const mock = await startMock({ port: 0, latencyMs: 400 });
    const dir = await mkdtemp(join(tmpdir(), 'spillway-'));
    const config = join(dir, 'config.yaml');
    await writeFile(config, oneGroupOver(mock.url));
    const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--config', config, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout! })) {
        const m = /"url":"([^"]+)"/.exec(line);
        if (m) {
          url = m[1];
          break;
        }
      }
      assert.ok(url, 'the gateway logged its URL');
      const received = once(mock.events, 'request');
      const inFlight = fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CHAT),
      });
      await received;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { object: string }).object, 'chat.completion');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      child.kill('SIGKILL');
      await mock.close();
    }
  });
});
