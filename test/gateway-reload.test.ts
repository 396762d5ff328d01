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

  it('keeps an unchanged deployment whole: its load state survives while a changed one starts afresh', async () => {
    const mock = await startMock({ port: 0 });
    const before = yaml([entry('m', mock.apiBase, 'e0'), entry('m', mock.apiBase, 'e1')], 'kv-aware');
    const gw = await startGateway(before);
    try {
      for (let i = 0; i < 4; i++) await gw.client().chat.completions.create({ model: 'm', messages });
      const tokens = 'spillway_engine_prompt_tokens_total{model_group="m",deployment="e0"}';
      const e0Tokens = await metric(gw, tokens);
      const e0 = gw.gateway.deployments[0];
      // e1's limits change: a new deployment under its id.
      const after = yaml([entry('m', mock.apiBase, 'e0'), entry('m', mock.apiBase, 'e1', ', rpm: 1000')], 'kv-aware');
      assert.equal(reload(gw, after), 'applied');
      assert.equal(gw.gateway.deployments[0], e0, 'the same Deployment: cooldowns, windows, in flight kept');
      assert.equal(await metric(gw, tokens), e0Tokens, "e0's load model counters kept");
      assert.equal(await metric(gw, 'spillway_engine_prompt_tokens_total{model_group="m",deployment="e1"}'), 0);
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
