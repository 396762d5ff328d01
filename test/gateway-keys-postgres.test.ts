// API keys on a real PostgreSQL (started here; skipped with a message where postgres is not installed): two
// gateways share it; with the database gone the cached keys keep working and management answers 503 until it
// is back; `serve` exits 3 when the database cannot be reached at start-up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { eventually, type RunningGateway, startGateway } from './helpers/gateway.ts';
import { postgresAvailable, startPostgres, type TestPostgres } from './helpers/postgres.ts';

const MASTER = { authorization: 'Bearer sk-master', 'content-type': 'application/json' };

describe('API keys on PostgreSQL', { skip: postgresAvailable() }, () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  let db: TestPostgres;
  let a: RunningGateway;
  let b: RunningGateway;
  const yaml = (url: string) => `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" } }
general_settings: { master_key: sk-master, database_url: "${url}" }
spillway:
  keys:
    refresh_ms: 250
    static: [{ key: sk-static-001, key_alias: from-yaml }]
`;

  before(async () => {
    mock = await startMock({ port: 0 });
    db = await startPostgres();
    a = await startGateway(yaml(db.url));
    b = await startGateway(yaml(db.url));
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.destroy();
    await mock?.close();
  });

  const manage = async (gw: RunningGateway, path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: MASTER, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const chat = (gw: RunningGateway, key: string) =>
    gw.client({ apiKey: key }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

  it('a key generated on one gateway works on the other; a revocation reaches it', async (t) => {
    const { key } = (await manage(a, '/key/generate', { key_alias: 'pg-key', priority: 'critical' })).body;
    await eventually(() => b.gateway.keys!.directory.lookup(key).kind === 'tenant', 'the key reached b');
    assert.ok((await chat(b, key)).choices.length > 0);
    assert.ok((await chat(b, 'sk-static-001')).choices.length > 0, 'the static key, from the YAML');
    await manage(b, '/key/delete', { keys: [key] });
    const start = performance.now();
    await eventually(() => a.gateway.keys!.directory.lookup(key).kind === 'unknown', 'the revocation reached a');
    t.diagnostic(`revocation reached the other gateway in ${(performance.now() - start).toFixed(0)} ms`);
  });

  it('database lost: cached keys keep working, management answers 503 until it is back', async () => {
    const { key } = (await manage(a, '/key/generate', { key_alias: 'survivor' })).body;
    await db.stop();
    await eventually(() => !a.gateway.keys!.running!.cache.healthy, 'a noticed the database is gone');
    assert.ok((await chat(a, key)).choices.length > 0, 'a cached key still works');
    const refused = await manage(a, '/key/generate', {});
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'key_store_unavailable');
    await db.start();
    await eventually(() => a.gateway.keys!.running!.cache.healthy, 'a reached the database again');
    assert.equal((await manage(a, '/key/generate', {})).status, 200);
  });

  it('serve exits 3 with a clear message when the database cannot be reached at start-up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spillway-'));
    try {
      const config = join(dir, 'config.yaml');
      // Port 1: nothing listens there, so the connection is refused.
      await writeFile(config, yaml('postgresql://postgres@127.0.0.1:1/postgres'));
      const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--config', config, '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const [code] = await once(child, 'exit');
      assert.equal(code, 3, out);
      assert.match(out, /cannot open the key store \(PostgreSQL 127\.0\.0\.1:1\/postgres\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
