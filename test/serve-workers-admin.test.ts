// `spillway serve --workers 2` with back pressure, in its own process, in front of a mock on 127.0.0.1:
// GET /admin/backpressure answers for the whole gateway (the settings beside each worker's live state), and a
// PUT is applied in every worker. Which worker answers is the kernel's choice, so no assertion depends on it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { type ServedGateway, serveGateway } from './helpers/serve.ts';

interface GroupState {
  in_flight: number;
  in_flight_limit: number | null;
  engines: { id: string; state: string }[];
}
interface Answer {
  settings: { router: { max_queue: number }; ingress: { max_in_flight_per_engine: number | null } };
  workers: { worker: number; state: { in_flight: number; groups: Record<string, GroupState> } }[];
}

describe('serve --workers 2: /admin/backpressure', () => {
  let upstream: MockHandle;
  let gw: ServedGateway;

  const admin = async (method = 'GET', body?: unknown): Promise<Answer> => {
    const r = await fetch(`${gw.url}/admin/backpressure`, {
      method,
      headers: { authorization: 'Bearer sk-admin', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(r.status, 200);
    return (await r.json()) as Answer;
  };
  const inFlight = (a: Answer) => a.workers.reduce((n, w) => n + w.state.in_flight, 0);
  /** Asks again until `holds`: what changes inside the gateway's process has no event a client can wait on. */
  const until = async (holds: (a: Answer) => boolean, what: string) => {
    for (let i = 0; i < 500; i++) if (holds(await admin())) return;
    assert.fail(`never: ${what}`);
  };

  before(async () => {
    upstream = await startMock({ port: 0, latencyMs: 500 });
    gw = await serveGateway(
      `model_list:\n  - { model_name: m, litellm_params: { model: openai/x, api_base: "${upstream.url}/v1" } }\n` +
        'general_settings: { master_key: sk-admin }\nspillway: { backpressure: { enabled: true } }\n',
      ['--workers', '2'],
    );
  });

  after(async () => {
    await gw.kill();
    await upstream.close();
  });

  it('GET answers the settings and every worker’s live state, a request in flight counted once', async () => {
    const received = once(upstream.events, 'request');
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-admin', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    await received;
    const during = await admin();
    assert.equal(during.settings.router.max_queue, 1024);
    assert.deepEqual(
      during.workers.map((w) => w.worker),
      [0, 1],
    );
    for (const w of during.workers) assert.equal(w.state.groups.m!.engines.length, 1);
    assert.equal(inFlight(during), 1, 'the one request, in whichever worker holds it');
    const done = await pending;
    assert.equal(done.status, 200);
    await done.arrayBuffer();
    await until((a) => inFlight(a) === 0, 'every worker back to zero');
  });

  it('PUT is applied in every worker and answers for the whole gateway', async () => {
    const put = await admin('PUT', { ingress: { max_in_flight_per_engine: 3 } });
    assert.equal(put.settings.ingress.max_in_flight_per_engine, 3);
    assert.equal(put.workers.length, 2);
    // The other worker applies the settings when the message reaches it, within a turn of its event loop.
    await until(
      (a) => a.workers.every((w) => w.state.groups.m!.in_flight_limit === 3),
      'both workers hold the new cap',
    );
  });
});
