// The key management API on two gateways sharing one SQLite file (as two processes or workers do): LiteLLM's
// request bodies, 400 naming the field, master key only, a change made on one reaching the other, usage and
// spend on /key/info, and concurrent updates of one key losing nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { eventually, type RunningGateway, startGateway } from './helpers/gateway.ts';

const MASTER = { authorization: 'Bearer sk-master', 'content-type': 'application/json' };

describe('key management, two gateways on one SQLite file', () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  let a: RunningGateway;
  let b: RunningGateway;
  let dir: string;

  before(async () => {
    mock = await startMock({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'spillway-keys-'));
    const yaml = `
model_list:
  - { model_name: gpt-3.5-turbo, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" } }
general_settings: { master_key: sk-master }
spillway:
  keys: { sqlite_path: ${join(dir, 'keys.db')}, refresh_ms: 250 }
`;
    a = await startGateway(yaml);
    b = await startGateway(yaml);
  });
  after(async () => {
    await a.assertIdle();
    await b.assertIdle();
    await a.close();
    await b.close();
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (gw: RunningGateway, path: string, body?: unknown, headers: Record<string, string> = MASTER) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const chat = (gw: RunningGateway, key: string) =>
    gw
      .client({ apiKey: key })
      .chat.completions.create({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'hi' }] });

  it("LiteLLM's /key/generate body from its docs gets a working key, shown once, on both gateways", async () => {
    const generated = await call(a, '/key/generate', {
      models: ['gpt-3.5-turbo', 'gpt-4', 'claude-2'],
      duration: '20m',
      metadata: { user: 'ishaan@berri.ai' },
    });
    assert.equal(generated.status, 200);
    const { key, token, expires, key_name: keyName } = generated.body;
    assert.match(key, /^sk-/);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(keyName, `sk-...${key.slice(-4)}`);
    assert.ok(Date.parse(expires) > Date.now());
    assert.ok((await chat(a, key)).choices.length > 0);
    await eventually(() => b.gateway.keys!.directory.lookup(key).kind === 'tenant', 'the key reached b');
    assert.ok((await chat(b, key)).choices.length > 0);
    const info = await call(b, `/key/info?key=${key}`);
    assert.equal(info.body.info.token, token);
    assert.equal(JSON.stringify(info.body.info).includes(key), false, 'the key itself is never shown again');
  });

  it('a deletion on one gateway revokes the key on the other', async (t) => {
    const { key } = (await call(a, '/key/generate', { key_alias: 'to-revoke' })).body;
    await eventually(() => b.gateway.keys!.directory.lookup(key).kind === 'tenant', 'the key reached b');
    const deleted = await call(a, '/key/delete', { key_aliases: ['to-revoke'] });
    assert.equal(deleted.body.deleted_keys.length, 1);
    const start = performance.now();
    await eventually(() => b.gateway.keys!.directory.lookup(key).kind === 'unknown', 'the revocation reached b');
    t.diagnostic(`revocation reached the second gateway in ${(performance.now() - start).toFixed(0)} ms`);
    await assert.rejects(chat(b, key), { status: 401 });
  });

  it('malformed requests are 400 naming the field; only the master key manages keys', async () => {
    const bad = await call(a, '/key/generate', { rpm_limit: 'many' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'rpm_limit');
    const duration = await call(a, '/key/generate', { budget_duration: 'monthly' });
    assert.equal(duration.body.error.param, 'budget_duration');
    assert.equal((await call(a, '/key/update', { rpm_limit: 3 })).body.error.param, 'key');
    assert.equal((await call(a, '/key/info')).status, 400);
    assert.equal((await call(a, '/key/info?key=sk-nobody')).body.error.code, 'key_not_found');
    const { key } = (await call(a, '/key/generate', {})).body;
    const asTenant = await call(
      a,
      '/key/generate',
      {},
      { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    );
    assert.equal(asTenant.status, 401);
    assert.equal((await call(a, '/key/generate', { team_id: 'ghost' })).body.error.code, 'team_not_found');
    await call(a, '/key/generate', { key_alias: 'dup' });
    assert.equal((await call(a, '/key/generate', { key_alias: 'dup' })).status, 409);
  });

  it('teams: a key of a team, listed with it; deleting the team revokes its keys', async () => {
    const team = await call(a, '/team/new', { team_alias: 'research', rpm_limit: 100, weight: 2 });
    assert.equal(team.status, 200);
    const teamId = team.body.team_id;
    const { key } = (await call(a, '/key/generate', { team_id: teamId, priority: 'sheddable' })).body;
    const tenant = a.gateway.keys!.directory.lookup(key);
    assert.equal(tenant.kind === 'tenant' && tenant.tenant.id, `team:${teamId}`);
    assert.equal(tenant.kind === 'tenant' && tenant.tenant.weight, 2);
    const info = await call(b, `/team/info?team_id=${teamId}`);
    assert.equal(info.body.team_info.team_alias, 'research');
    assert.equal(info.body.keys.length, 1);
    assert.ok((await call(b, '/team/list')).body.some((t: { team_id: string }) => t.team_id === teamId));
    assert.equal((await call(b, '/team/update', { team_id: teamId, tpm_limit: 5 })).body.rpm_limit, 100);
    assert.deepEqual((await call(b, '/team/delete', { team_ids: [teamId] })).body.deleted_teams, [teamId]);
    assert.equal(b.gateway.keys!.directory.lookup(key).kind, 'unknown');
  });

  it('pages through /key/list', async () => {
    const page1 = (await call(a, '/key/list?page=1&size=2')).body;
    const page2 = (await call(a, '/key/list?page=2&size=2&return_full_object=true')).body;
    assert.equal(page1.keys.length, 2);
    assert.equal(page1.current_page, 1);
    assert.equal(page1.total_pages, Math.ceil(page1.total_count / 2));
    assert.match(page2.keys[0].token, /^[0-9a-f]{64}$/);
    assert.equal((await call(a, '/key/list?size=1000')).body.error.param, 'size');
  });

  it('concurrent updates of one key on both gateways and usage flushes lose nothing; /key/info shows spend and usage', async () => {
    const { key, token } = (await call(a, '/key/generate', { key_alias: 'busy' })).body;
    const fields = [
      { rpm_limit: 11 },
      { tpm_limit: 22 },
      { max_parallel_requests: 3 },
      { weight: 5 },
      { metadata: { a: 1 } },
    ];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const gw = i % 2 === 0 ? a : b;
      writes.push(call(gw, '/key/update', { key, ...fields[i % fields.length] }));
      writes.push(
        gw.gateway.keys!.recordUsage([
          { keyHash: token, teamId: undefined, requests: 1, promptTokens: 7, completionTokens: 3, spend: 0.5 },
        ]),
      );
    }
    await Promise.all(writes);
    const info = (await call(b, `/key/info?key=${token}`)).body.info;
    assert.deepEqual(
      [info.rpm_limit, info.tpm_limit, info.max_parallel_requests, info.weight, info.metadata],
      [11, 22, 3, 5, { a: 1 }],
    );
    assert.equal(info.spend, 15);
    assert.deepEqual(info.usage, { requests: 30, prompt_tokens: 210, completion_tokens: 90 });
  });
});
