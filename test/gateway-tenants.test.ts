// The tenant gate end to end: a real gateway, the mock or scripted upstreams, tenants from a test key directory
// (the key store's job in production), the official openai client for the stream path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMock } from '../src/mock/server.ts';
import { ACCOUNTING_AT_ZERO } from '../src/pipeline/test-support.ts';
import { TestKeys, teamInfo, tenant } from '../src/tenants/test-support.ts';
import type { UsageDelta } from '../src/tenants/types.ts';
import { heldUpstream, post } from './helpers/backpressure.ts';
import { eventually, type RunningGateway, startGateway, windowWithRoom } from './helpers/gateway.ts';
import { errorUpstream } from './helpers/upstreams.ts';

const yaml = (api: string, extra = '') => `
model_list:
  - model_name: m
    litellm_params: { model: openai/x, api_base: "${api}" }
    model_info: { input_cost_per_token: 0.001, output_cost_per_token: 0.01 }
router_settings: { num_retries: 2 }
${extra}
`;

class RecordingSink {
  readonly batches: UsageDelta[][] = [];
  async recordUsage(batch: readonly UsageDelta[]): Promise<void> {
    this.batches.push([...batch]);
  }
}

/** Every tenant slot back: the gate's in-flight counts at zero, and the deployments idle. */
async function assertTenantsIdle(gw: RunningGateway): Promise<void> {
  await eventually(() => gw.gateway.tenants!.ledger.inFlight() === 0, 'tenant in-flight back to zero');
  await gw.assertIdle();
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('tenant gate', () => {
  it('streams through the openai client without the usage chunk it did not ask for, and the spend counts', async () => {
    const mock = await startMock({ chunks: 5 });
    const keys = new TestKeys();
    keys.set('sk-a', tenant({ alias: 'alpha', maxBudget: 10 }));
    const sink = new RecordingSink();
    const gw = await startGateway(yaml(`${mock.url}/v1`), undefined, { keys, usageSink: sink });
    try {
      const client = gw.client({ apiKey: 'sk-a' });
      const stream = await client.chat.completions.create({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'hello' }],
      });
      const chunks = [];
      for await (const c of stream) chunks.push(c);
      assert.ok(chunks.length >= 5);
      for (const c of chunks) {
        assert.notEqual(c.choices.length, 0, 'no usage-only chunk reaches the client');
        assert.equal(c.usage ?? undefined, undefined);
      }
      // Asked for by the client: its usage chunk is its own to see.
      const asked = await client.chat.completions.create({
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hello' }],
      });
      let usage: unknown;
      for await (const c of asked) if (c.usage) usage = c.usage;
      assert.ok(usage !== undefined);
      await assertTenantsIdle(gw);
      const metrics = await gw.metricsText();
      assert.match(metrics, /spillway_tenant_completion_tokens_total\{tenant="alpha"\} 10/);
      assert.match(metrics, /spillway_tenant_requests_total\{tenant="alpha"\} 2/);
    } finally {
      await gw.close();
      await mock.close();
    }
    // Shutdown flushed what was left: both requests, their tokens, and spend priced from model_info.
    const all = sink.batches.flat();
    const sum = (f: (u: UsageDelta) => number) => all.reduce((n, u) => n + f(u), 0);
    assert.equal(
      sum((u) => u.requests),
      2,
    );
    assert.equal(
      sum((u) => u.completionTokens),
      10,
    );
    const prompt = sum((u) => u.promptTokens);
    assert.ok(prompt > 0);
    assert.ok(Math.abs(sum((u) => u.spend) - (prompt * 0.001 + 10 * 0.01)) < 1e-9);
  });

  it('refuses over rpm with 429, Retry-After and retry-after-ms, and a model the key may not use with 401', async () => {
    const mock = await startMock({ chunks: 2 });
    const keys = new TestKeys();
    keys.set('sk-r', tenant({ alias: 'rpm', rpmLimit: 1 }));
    keys.set('sk-m', tenant({ hash: 'b'.repeat(64), alias: 'models', models: ['other'] }));
    const gw = await startGateway(yaml(`${mock.url}/v1`), undefined, { keys });
    try {
      await windowWithRoom();
      assert.equal((await post(gw.url, auth('sk-r'))).status, 200);
      const r = await post(gw.url, auth('sk-r'));
      assert.equal(r.status, 429);
      assert.equal(r.json.error.code, 'key_rpm_limit');
      const ms = Number(r.headers.get('retry-after-ms'));
      assert.ok(ms > 0 && ms <= 60_000, `retry-after-ms ${ms}`);
      assert.equal(r.headers.get('retry-after'), String(Math.ceil(ms / 1000)));
      const m = await post(gw.url, auth('sk-m'));
      assert.equal(m.status, 401);
      assert.equal(m.json.error.code, 'key_model_access_denied');
      assert.equal(m.json.error.param, 'model');
      // With keys on, no key is no entry.
      assert.equal((await post(gw.url)).status, 401);
      await assertTenantsIdle(gw);
      assert.match(await gw.metricsText(), /spillway_tenant_refusals_total\{tenant="rpm",code="key_rpm_limit"\} 1/);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('a team’s max_parallel_requests holds from admission to the end, back to zero after an abort', async () => {
    const up = await heldUpstream();
    const keys = new TestKeys();
    const team = teamInfo({ id: 't1', maxParallelRequests: 1 });
    keys.set('sk-1', tenant({ alias: 'one' }, team));
    keys.set('sk-2', tenant({ hash: 'c'.repeat(64), alias: 'two' }, team));
    const gw = await startGateway(yaml(up.url), undefined, { keys });
    try {
      const aborter = new AbortController();
      const first = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth('sk-1') },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        signal: aborter.signal,
      }).catch(() => undefined);
      await up.waitHeld(1);
      const refused = await post(gw.url, auth('sk-2'));
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.code, 'team_parallel_limit');
      aborter.abort();
      await first;
      await assertTenantsIdle(gw);
      const again = post(gw.url, auth('sk-2'));
      await up.waitHeld(2); // the aborted request's answer is still held, unanswered
      up.releaseAll();
      assert.equal((await again).status, 200);
      await assertTenantsIdle(gw);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('a request that fails upstream after its retries ends its tenant slot once', async () => {
    const up = await errorUpstream(500, 'boom', 'server_error');
    const keys = new TestKeys();
    keys.set('sk-e', tenant({ alias: 'err', maxParallelRequests: 1 }));
    const gw = await startGateway(yaml(up.url), undefined, { keys });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await post(gw.url, auth('sk-e'))).status, 502);
      assert.equal(up.requests, 6); // 3 attempts each: the slot was free for the second request
      await assertTenantsIdle(gw);
      assert.match(await gw.metricsText(), /spillway_tenant_refusals_total\{tenant="err",code="upstream_error"\} 2/);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('runs before back pressure: a tenant refusal leaves its accounting untouched', async () => {
    const mock = await startMock({ chunks: 2 });
    const keys = new TestKeys();
    keys.set('sk-b', tenant({ alias: 'bp', rpmLimit: 1 }));
    const gw = await startGateway(yaml(`${mock.url}/v1`, 'spillway: { backpressure: { enabled: true } }'), undefined, {
      keys,
    });
    try {
      await windowWithRoom();
      assert.equal((await post(gw.url, auth('sk-b'))).status, 200);
      const r = await post(gw.url, auth('sk-b'));
      assert.equal(r.status, 429);
      assert.equal(r.json.error.code, 'key_rpm_limit');
      assert.equal(r.headers.get('x-spillway-rejected-by'), null);
      await assertTenantsIdle(gw);
      assert.deepEqual(gw.gateway.backpressure!.accounting(), ACCOUNTING_AT_ZERO);
    } finally {
      await gw.close();
      await mock.close();
    }
  });
});
