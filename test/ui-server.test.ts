// The operator page's server side (/ui): the snapshot over a real gateway with back pressure in front of simulated
// engines, the event stream (history, then snapshots; its fast timer stops with the last client), and the master
// key (Bearer or Basic; 401 with a Basic challenge without it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EngineHandle, startEngine } from '../src/sim/server.ts';
import { eventually, type RunningGateway, startGateway } from './helpers/gateway.ts';
import { simFleetYaml } from './helpers/sim-fleet.ts';
import { readEvents } from './helpers/sse.ts';

const KEY = 'sk-ui-test';
const bearer = { authorization: `Bearer ${KEY}` };
const json = async (r: Response): Promise<any> => r.json();

const yaml = (engines: EngineHandle[]) => simFleetYaml({ urls: engines.map((e) => e.url), key: KEY });

describe('the /ui routes', () => {
  let engines: EngineHandle[];
  let gw: RunningGateway;

  before(async () => {
    engines = await Promise.all([0, 1].map((seed) => startEngine({ port: 0, speedup: 20, seed, maxNumSeqs: 8 })));
    gw = await startGateway(yaml(engines));
  });
  after(async () => {
    await gw?.close();
    await Promise.all(engines.map((e) => e.close()));
  });

  it('refuses without the master key, with a Basic challenge', async () => {
    for (const path of ['/ui', '/ui/snapshot', '/ui/events', '/ui/assets/x.js']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="spillway"');
      assert.equal((await json(res)).error.code, 'invalid_api_key');
    }
    const wrong = await fetch(`${gw.url}/ui/snapshot`, {
      headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
    });
    assert.equal(wrong.status, 401);
  });

  it('serves the page and a snapshot with Bearer or Basic', async () => {
    const page = await fetch(`${gw.url}/ui`, { headers: bearer });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    await page.text();
    const basic = { authorization: `Basic ${Buffer.from(`anyone:${KEY}`).toString('base64')}` };
    const res = await fetch(`${gw.url}/ui/snapshot`, { headers: basic });
    assert.equal(res.status, 200);
    const s = await json(res);
    assert.equal(s.backpressure, true);
    assert.equal(s.load, null);
    assert.equal(typeof s.t, 'number');
    assert.deepEqual(
      s.groups.map((g: any) => [g.name, g.sla, g.queueBound, Object.keys(g.queueDepth)]),
      [['sim', { ttftMs: 5000, itlMs: 500 }, 1024, ['critical', 'standard', 'sheddable']]],
    );
    assert.deepEqual(
      s.engines.map((e: any) => [e.id, e.group, e.state, e.breaker, e.penalty]),
      [
        ['engine-0', 'sim', 'ok', 'closed', false],
        ['engine-1', 'sim', 'ok', 'closed', false],
      ],
    );
  });

  it("counts answered streams within the SLA, and shows each engine's latencies", async () => {
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'sim',
          stream: true,
          max_tokens: 8,
          messages: [{ role: 'user', content: `hi ${i}` }],
        }),
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /data: \[DONE\]/);
    }
    const res = await fetch(`${gw.url}/ui/snapshot`, { headers: bearer });
    const s = await json(res);
    const served = s.engines.filter((e: any) => e.ttftMs.p50 !== null);
    assert.ok(served.length > 0);
    for (const e of served) assert.ok(e.ttftMs.p99 >= e.ttftMs.p50 && e.itlMs.p50 > 0);
    const text = await gw.metricsText();
    assert.match(text, /spillway_sla_requests_total\{model_group="sim",result="within"\} 6/);
    assert.match(text, /spillway_router_queue_bound\{model_group="sim"\} 1024/);
  });

  it('streams the history first, then snapshots, and stops its fast timer with the last client', async () => {
    const feed = gw.gateway.ui.feed;
    const events = await readEvents(
      `${gw.url}/ui/events`,
      bearer,
      (e) => e.filter((x) => x.event === 'snapshot').length >= 2,
    );
    assert.equal(events[0].event, 'history');
    assert.equal(events[0].data.stepMs, 1000);
    assert.ok(Array.isArray(events[0].data.points));
    for (const e of events.slice(1)) {
      assert.equal(e.event, 'snapshot');
      assert.equal(e.data.engines.length, 2);
    }
    await eventually(() => feed.size === 0, 'the client to leave');
    assert.equal(feed.period, 1000);
  });

  it('caps the event streams', async () => {
    const streams = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const ac = new AbortController();
        const res = await fetch(`${gw.url}/ui/events`, { headers: bearer, signal: ac.signal });
        assert.equal(res.status, 200);
        return ac;
      }),
    );
    const over = await fetch(`${gw.url}/ui/events`, { headers: bearer });
    assert.equal(over.status, 503);
    assert.equal((await json(over)).error.code, 'too_many_ui_clients');
    for (const ac of streams) ac.abort();
    await eventually(() => gw.gateway.ui.feed.size === 0, 'every client to leave');
  });

  it('answers 409 to POST /ui/load with no generator attached, 400 on a bad body', async () => {
    const post = (body: string) =>
      fetch(`${gw.url}/ui/load`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body });
    const none = await post('{"multiple":1}');
    assert.equal(none.status, 409);
    assert.equal((await json(none)).error.code, 'no_load_generator');
    gw.gateway.ui.attachLoad({
      state: () => ({ multiple: 0, ratePerS: 0, capacityPerS: 10, capacitySource: 'test', burstUntil: null }),
      setMultiple: (m) => ({
        multiple: m,
        ratePerS: m * 10,
        capacityPerS: 10,
        capacitySource: 'test',
        burstUntil: null,
      }),
      burst: () => ({ multiple: 0, ratePerS: 100, capacityPerS: 10, capacitySource: 'test', burstUntil: 1 }),
    });
    try {
      assert.equal((await post('{"multiple":3}')).status, 400);
      assert.equal((await post('nope')).status, 400);
      const ok = await post('{"multiple":2}');
      assert.equal(ok.status, 200);
      assert.equal((await json(ok)).ratePerS, 20);
    } finally {
      gw.gateway.ui.attachLoad(undefined);
    }
  });
});
