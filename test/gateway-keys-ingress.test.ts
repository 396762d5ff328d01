// API keys at the ingress (issue 15): a key resolves to its tenant, its class caps the header's, an expired key
// is 401 key_expired, an unknown one 401 as before; static YAML keys work with no database at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PRIORITY_NAMES } from '../src/admission/priority.ts';
import { startMock } from '../src/mock/server.ts';
import type { RequestContext } from '../src/pipeline/request-context.ts';
import type { StrategyEntry } from '../src/routing/strategies/registry.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';

/** Routes to the first candidate and keeps what it was asked: the request's context as routing sees it. */
function recording(seen: RequestContext[]): StrategyEntry {
  return {
    loadAware: false,
    create: () => ({
      name: 'recording',
      pick: (candidates, req) => {
        seen.push(req as RequestContext);
        return candidates[0];
      },
    }),
  };
}

describe('API keys at the ingress', () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  let gw: RunningGateway;
  const seen: RequestContext[] = [];

  before(async () => {
    mock = await startMock({ port: 0 });
    gw = await startGateway(
      `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" } }
router_settings: { routing_strategy: recording }
general_settings: { master_key: sk-master }
spillway:
  keys:
    static:
      - { key: sk-shed-0001, key_alias: batch, priority: sheddable, team_id: t1, weight: 3 }
      - { key: sk-plain-0001 }
      - { key: sk-crit-0001, key_alias: pager, priority: critical }
      - { key: sk-old-00001, key_alias: old, expires: "2001-01-01T00:00:00Z" }
      - { key: sk-blocked-01, blocked: true }
`,
      { recording: recording(seen) },
    );
  });
  after(async () => {
    await gw.assertIdle();
    await gw.close();
    await mock.close();
  });

  const chat = (key: string, priority?: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(priority !== undefined && { 'x-spillway-priority': priority }),
      },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });

  async function routed(key: string, priority?: string): Promise<RequestContext> {
    const res = await chat(key, priority);
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    return seen.at(-1)!;
  }

  it('a key bound to sheddable that asks for critical is treated as sheddable', async () => {
    const ctx = await routed('sk-shed-0001', 'critical');
    assert.equal(PRIORITY_NAMES[ctx.priority], 'sheddable');
    assert.equal(ctx.tenant?.label, 'batch');
    assert.equal(ctx.tenant?.id, 'team:t1');
    assert.equal(ctx.tenant?.key.weight, 3);
  });

  it('the header may lower the class, never raise it; a key without priority is capped at standard', async () => {
    assert.equal(PRIORITY_NAMES[(await routed('sk-crit-0001', 'sheddable')).priority], 'sheddable');
    assert.equal(PRIORITY_NAMES[(await routed('sk-crit-0001', 'critical')).priority], 'critical');
    assert.equal(PRIORITY_NAMES[(await routed('sk-plain-0001', 'critical')).priority], 'standard');
    assert.equal(PRIORITY_NAMES[(await routed('sk-plain-0001')).priority], 'standard');
    assert.equal(PRIORITY_NAMES[(await routed('sk-shed-0001')).priority], 'sheddable');
    const plain = await routed('sk-plain-0001');
    assert.match(plain.tenant!.id, /^key:[0-9a-f]{16}$/);
    assert.match(plain.tenant!.label, /^key:[0-9a-f]{8}$/);
  });

  it('the master key is as before: no tenant, any class', async () => {
    const ctx = await routed('sk-master', 'critical');
    assert.equal(ctx.tenant, undefined);
    assert.equal(PRIORITY_NAMES[ctx.priority], 'critical');
  });

  it('expired: 401 key_expired; unknown, blocked or missing: 401 invalid_api_key', async () => {
    const expired = await chat('sk-old-00001');
    assert.equal(expired.status, 401);
    assert.equal(((await expired.json()) as { error: { code: string } }).error.code, 'key_expired');
    for (const key of ['sk-nobody-01', 'sk-blocked-01', '']) {
      const res = await chat(key);
      assert.equal(res.status, 401, key);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    }
  });

  it('an API key lists the models; the operator routes still need the master key', async () => {
    const models = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer sk-plain-0001' } });
    assert.equal(models.status, 200);
    await models.arrayBuffer();
    const admin = await fetch(`${gw.url}/admin/backpressure`, { headers: { authorization: 'Bearer sk-plain-0001' } });
    assert.equal(admin.status, 401);
    await admin.arrayBuffer();
  });

  it('the official openai SDK works with a key', async () => {
    const out = await gw.client({ apiKey: 'sk-plain-0001' }).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(out.choices.length > 0);
  });
});
