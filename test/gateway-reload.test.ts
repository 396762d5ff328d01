// A config reload (src/reload) against real upstreams: routing changes at once, an invalid file changes
// nothing, an unchanged deployment keeps its state, and a request in flight on a removed deployment finishes.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import pino from 'pino';
import { parseConfig } from '../src/config/load.ts';
import { startMock } from '../src/mock/server.ts';
import { reloadFromFile } from '../src/reload/file-trigger.ts';
import { heldUpstream, post, queued, startBpGateway } from './helpers/backpressure.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';

const silent = pino({ level: 'silent' });
const messages = [{ role: 'user' as const, content: 'Hello there.' }];
const entry = (group: string, base: string, id: string, extra = '') =>
  `  - { model_name: ${group}, litellm_params: { model: openai/x, api_base: "${base}"${extra} }, model_info: { id: ${id} } }`;
const yaml = (entries: string[], strategy = 'simple-shuffle') =>
  `model_list:\n${entries.join('\n')}\nrouter_settings: { routing_strategy: ${strategy} }\n`;

function reload(gw: RunningGateway, text: string) {
  return gw.gateway.reload(parseConfig(text, {}).config);
}

async function metric(gw: RunningGateway, prefix: string): Promise<number> {
  const line = (await gw.metricsText()).split('\n').find((l) => l.startsWith(prefix));
  assert.ok(line, `${prefix} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('config reload', () => {
  it('adds and removes groups: a new group answers, a removed one is model_not_found', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(yaml([entry('a', mock.apiBase, 'a0')]));
    try {
      const client = gw.client();
      assert.equal(reload(gw, yaml([entry('a', mock.apiBase, 'a0'), entry('b', mock.apiBase, 'b0')])), 'applied');
      await client.chat.completions.create({ model: 'b', messages });
      const models = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['a', 'b'],
      );
      assert.equal(reload(gw, yaml([entry('b', mock.apiBase, 'b0')])), 'applied');
      await assert.rejects(
        client.chat.completions.create({ model: 'a', messages }),
        (e) => e instanceof OpenAI.NotFoundError,
      );
      await client.chat.completions.create({ model: 'b', messages });
      assert.equal(await metric(gw, 'spillway_config_reloads_total{result="applied"}'), 2);
      await gw.gateway.whenReloadDrained();
      await gw.assertIdle();
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('refuses an invalid file and keeps serving the old config', async () => {
    const mock = await startMock({ port: 0 });
    const gw = await startGateway(yaml([entry('a', mock.apiBase, 'a0')]));
    const dir = await mkdtemp(join(tmpdir(), 'spillway-reload-'));
    const path = join(dir, 'config.yaml');
    try {
      await writeFile(path, 'model_list:\n  - { model_name: b, litellm_params: { api_base: "not a url" } }\n');
      assert.equal(await reloadFromFile(path, gw.gateway, silent), 'invalid');
      await gw.client().chat.completions.create({ model: 'a', messages });
      assert.deepEqual([...gw.gateway.groups.keys()], ['a']);
      assert.equal(await metric(gw, 'spillway_config_reloads_total{result="invalid"}'), 1);
      assert.equal(await metric(gw, 'spillway_config_reloads_total{result="applied"}'), 0);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('keeps an unchanged deployment whole, and an engine whose limits changed keeps its load state', async () => {
    const mock = await startMock({ port: 0 });
    // The same mock as another engine: an api_base spelled with localhost is another engine to the gateway.
    const elsewhere = mock.apiBase.replace('127.0.0.1', 'localhost');
    const three = (e1Extra: string, e2Base: string) =>
      yaml(
        [entry('m', mock.apiBase, 'e0'), entry('m', mock.apiBase, 'e1', e1Extra), entry('m', e2Base, 'e2')],
        'kv-aware',
      );
    const gw = await startGateway(three('', mock.apiBase));
    try {
      for (let i = 0; i < 6; i++) {
        const own = [{ role: 'user' as const, content: `Question ${i}: ${'why? '.repeat(i * 20)}` }];
        await gw.client().chat.completions.create({ model: 'm', messages: own });
      }
      const tokens = (id: string) => `spillway_engine_prompt_tokens_total{model_group="m",deployment="${id}"}`;
      const before = await Promise.all(['e0', 'e1'].map((id) => metric(gw, tokens(id))));
      const e0 = gw.gateway.deployments[0];
      const e1 = gw.gateway.deployments[1];
      // e1's timeout changes (a new deployment, the same engine; not rpm, which would reweigh e0 too: rpm is
      // a shuffle weight, src/config/routing-compat.ts); e2 moves to another engine.
      assert.equal(reload(gw, three(', timeout: 30', elsewhere)), 'applied');
      const [k0, k1] = gw.gateway.deployments;
      assert.equal(k0, e0, 'the same Deployment: cooldowns, windows, in flight kept');
      assert.notEqual(k1, e1, 'a changed deployment is a new one');
      assert.equal(k1.load, e1.load, "the same engine's load model");
      assert.deepEqual(await Promise.all(['e0', 'e1'].map((id) => metric(gw, tokens(id)))), before);
      assert.equal(await metric(gw, tokens('e2')), 0, 'another engine starts afresh');
      await gw.gateway.whenReloadDrained();
      await gw.assertIdle();
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('lets a request in flight on a removed deployment finish, then closes its pool', async () => {
    const mock = await startMock({ port: 0 });
    let release: (() => void) | undefined;
    const held = await scriptedUpstream((_req, res) => {
      release = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [], model: 'x' }));
      };
    });
    const gw = await startGateway(yaml([entry('m', held.url, 'old')]));
    try {
      const answer = gw.client().chat.completions.create({ model: 'm', messages });
      while (gw.gateway.deployments[0].inFlight === 0) await new Promise((r) => setImmediate(r));
      assert.equal(reload(gw, yaml([entry('m', mock.apiBase, 'new')])), 'applied');
      await gw.client().chat.completions.create({ model: 'm', messages }); // the new deployment serves
      const drained = gw.gateway.whenReloadDrained();
      release!();
      assert.equal((await answer).id, 'x');
      await drained;
      await gw.assertIdle();
    } finally {
      await gw.close();
      await Promise.all([mock.close(), held.close()]);
    }
  });
});

describe('config reload with back pressure', () => {
  it("keeps a group's queue and an engine's slot; the queued request goes to the group's new member", async () => {
    const mock = await startMock({ port: 0 });
    const up = await heldUpstream();
    const bp = (entries: string[]) => `${yaml(entries)}spillway:
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 1 } }
`;
    const gw = await startBpGateway(bp([entry('m', up.url, 'e0')]));
    try {
      const first = post(gw.url);
      await up.waitHeld(1);
      const second = post(gw.url);
      await queued(gw, 1);
      const state = gw.gateway.backpressure!;
      const e0 = gw.gateway.deployments[0];
      const slot = state.slots.get(e0);
      const group = state.groups.get('m');
      assert.equal(
        reload(gw, bp([entry('m', up.url, 'e0'), entry('m', mock.apiBase, 'e1'), entry('n', mock.apiBase, 'n0')])),
        'applied',
      );
      assert.equal((await second).status, 200, 'the queued request went to e1');
      assert.equal(state.slots.get(e0), slot, "e0's engine slot (limit, latency windows) kept");
      assert.equal(state.groups.get('m'), group, "m's queue and counters kept");
      assert.equal((await post(gw.url, {}, { model: 'n' })).status, 200, 'the new group answers');
      up.releaseAll();
      assert.equal((await first).status, 200);
      await gw.gateway.whenReloadDrained();
      await gw.assertDrained();
    } finally {
      up.releaseAll();
      await gw.close();
      await Promise.all([mock.close(), up.close()]);
    }
  });
});
