// `spillway serve` reloads its config file on SIGHUP (and, with --watch-config, when the file changes), alone
// and through --workers, where every worker re-reads the file.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { eventually } from './helpers/gateway.ts';
import { type ServedGateway, serveGateway } from './helpers/serve.ts';

const config = (api: string, groups: string[]) =>
  `model_list:\n${groups.map((g, i) => `  - { model_name: ${g}, litellm_params: { model: openai/x, api_base: "${api}" }, model_info: { id: d${i} } }`).join('\n')}\n`;

async function status(url: string, model: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

const count = (gw: ServedGateway, msg: string) => gw.lines.filter((l) => l.includes(`"msg":"${msg}`)).length;
const logged = (gw: ServedGateway, msg: string, n = 1) =>
  eventually(() => count(gw, msg) >= n, `${n} × "${msg}" logged`, 20_000);

describe('spillway serve reloads its config', () => {
  let mock: MockHandle;
  before(async () => {
    mock = await startMock({ port: 0 });
  });
  after(() => mock.close());

  it('on SIGHUP: a new group answers, then an invalid file is refused and the running config stays', async () => {
    const gw = await serveGateway(config(mock.apiBase, ['a']));
    try {
      await writeFile(gw.configPath, config(mock.apiBase, ['a', 'b']));
      gw.child.kill('SIGHUP');
      await logged(gw, 'config reloaded');
      assert.equal(await status(gw.url, 'b'), 200);
      await writeFile(gw.configPath, 'model_list: [{ model_name: c }]\n');
      gw.child.kill('SIGHUP');
      await logged(gw, 'config reload refused');
      assert.equal(await status(gw.url, 'a'), 200);
      assert.equal(await status(gw.url, 'b'), 200);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /spillway_config_reloads_total\{result="invalid"\} 1/);
      assert.match(metrics, /spillway_config_reloads_total\{result="applied"\} 1/);
    } finally {
      await gw.kill();
    }
  });

  it('with --watch-config, when the file changes', async () => {
    const gw = await serveGateway(config(mock.apiBase, ['a']), ['--watch-config']);
    try {
      await writeFile(gw.configPath, config(mock.apiBase, ['b']));
      await logged(gw, 'config reloaded');
      assert.equal(await status(gw.url, 'b'), 200);
      assert.equal(await status(gw.url, 'a'), 404);
    } finally {
      await gw.kill();
    }
  });

  it('with --workers: every worker re-reads the file on SIGHUP', async () => {
    const gw = await serveGateway(config(mock.apiBase, ['a']), ['--workers', '2']);
    try {
      // The same deployment id renamed into group b: with workers the ids and their order stay.
      await writeFile(gw.configPath, config(mock.apiBase, ['b']));
      gw.child.kill('SIGHUP');
      await logged(gw, 'config reloaded', 2);
      // Each request is a new connection; the kernel spreads them over both workers.
      for (let i = 0; i < 8; i++) {
        assert.equal(await status(gw.url, 'b'), 200);
        assert.equal(await status(gw.url, 'a'), 404);
      }
      await writeFile(gw.configPath, config(mock.apiBase, ['b', 'c']));
      gw.child.kill('SIGHUP');
      await logged(gw, 'config reload refused', 2);
      assert.equal(await status(gw.url, 'b'), 200);
    } finally {
      await gw.kill();
    }
  });
});
