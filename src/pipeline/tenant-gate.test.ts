// The tenant gate in process: requests built by hand with a Tenant, a manual clock for the rpm/tpm minute.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { defaultCooldown } from '../config/cooldown.ts';
import { deploymentConfig } from '../load/test-support.ts';
import { Deployment } from '../routing/deployment.ts';
import { ModelGroup } from '../routing/group.ts';
import { leastBusy } from '../routing/strategies/least-busy.ts';
import { TenantMetrics } from '../tenants/tenant-metrics.ts';
import { teamInfo, tenant } from '../tenants/test-support.ts';
import type { Tenant } from '../tenants/types.ts';
import { seededRandom } from '../util/random.ts';
import { ProxyRequest } from './proxy-request.ts';
import { RequestContext } from './request-context.ts';
import { TenantGate } from './tenant-gate.ts';
import { PLAIN_HEADERS, RecordingResponse } from './test-support.ts';

function setup(wallNow = 1_000_000) {
  let now = 0;
  const clock = () => now;
  const cfg = { ...deploymentConfig('e0'), inputCostPerToken: 0.001, outputCostPerToken: 0.002 };
  const d = new Deployment(cfg, defaultCooldown(), clock);
  const group = new ModelGroup('g', [d], leastBusy(seededRandom(1)));
  const registry = new Registry();
  const gate = new TenantGate({ clock, wallClock: () => wallNow, metrics: new TenantMetrics(registry) });
  const request = (t: Tenant | undefined, body: Record<string, unknown> = {}) => {
    const b = { model: 'g', messages: [{ role: 'user', content: 'hi' }], ...body };
    const ctx = new RequestContext({
      id: 'r',
      arrivalMs: 0,
      modelGroup: group,
      endpoint: 'chat',
      upstreamPath: '/chat/completions',
      body: b,
      raw: Buffer.from(JSON.stringify(b)),
      headers: PLAIN_HEADERS,
      prompt: undefined,
      tenant: t,
    });
    return new ProxyRequest(ctx, new RecordingResponse());
  };
  /** A whole response with this usage, then the request's end. */
  const answer = (pr: ProxyRequest, prompt: number, completion: number) => {
    pr.tail = Buffer.from(`{"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion}}}`);
    gate.completed(pr, d);
    gate.release(pr, 'upstream_response');
  };
  return { gate, request, answer, registry, tick: (ms: number) => (now += ms) };
}

test('a request without a tenant is not judged and holds nothing', () => {
  const { gate, request } = setup();
  const pr = request(undefined);
  assert.equal(gate.admit(pr), undefined);
  assert.equal(pr.tenant, undefined);
});

test('a model outside the key’s or its team’s models is refused with LiteLLM’s 401 code, naming the param', () => {
  const { gate, request } = setup();
  assert.equal(gate.admit(request(tenant({ models: ['other'] })))?.outcome, 'key_model_denied');
  assert.equal(gate.admit(request(tenant({ models: ['g'] })))?.outcome, undefined);
  assert.equal(gate.admit(request(tenant({ models: ['*'] })))?.outcome, undefined);
  const team = teamInfo({ id: 't1', models: ['other'] });
  const r = gate.admit(request(tenant({ hash: 'b'.repeat(64) }, team)));
  assert.equal(r?.outcome, 'team_model_denied');
  assert.equal(r?.param, 'model');
});

test('rpm: refused once the minute holds rpm_limit requests, Retry-After until the minute ends', () => {
  const { gate, request, tick, answer } = setup();
  const t = tenant({ rpmLimit: 2 });
  for (let i = 0; i < 2; i++) {
    const pr = request(t);
    assert.equal(gate.admit(pr), undefined);
    answer(pr, 1, 1);
  }
  tick(45_000);
  const r = gate.admit(request(t));
  assert.equal(r?.outcome, 'key_rpm_limit');
  assert.equal(r?.retryAfterMs, 15_000);
  tick(15_000);
  assert.equal(gate.admit(request(t)), undefined);
});

test('tpm counts each whole response’s usage at its end; counters survive a key update (a new Tenant)', () => {
  const { gate, request, answer } = setup();
  const pr = request(tenant({ tpmLimit: 100 }));
  assert.equal(gate.admit(pr), undefined);
  answer(pr, 60, 40);
  const updated = tenant({ tpmLimit: 100, alias: 'renamed' });
  assert.equal(gate.admit(request(updated))?.outcome, 'key_tpm_limit');
});

test('max_parallel_requests of the key and of its team: held from admission to the end, exactly once', () => {
  const { gate, request } = setup();
  const team = teamInfo({ id: 't1', maxParallelRequests: 2 });
  const a = tenant({ hash: 'a'.repeat(64), maxParallelRequests: 1 }, team);
  const b = tenant({ hash: 'b'.repeat(64) }, team);
  const first = request(a);
  assert.equal(gate.admit(first), undefined);
  const r = gate.admit(request(a));
  assert.equal(r?.outcome, 'key_parallel_limit');
  assert.equal(r?.retryAfterMs, 1000);
  const second = request(b);
  assert.equal(gate.admit(second), undefined);
  assert.equal(gate.admit(request(b))?.outcome, 'team_parallel_limit');
  assert.equal(gate.ledger.inFlight(), 4); // two keys, each counted for itself and its team
  gate.release(first, 'upstream_error');
  gate.release(second, 'client_closed');
  gate.release(second, 'client_closed'); // the hold is gone: a second release ends nothing
  assert.equal(gate.ledger.inFlight(), 0);
});

test('budget: stored spend + this instance’s unflushed spend, priced from the deployment’s model_info', async () => {
  const { gate, request, answer, registry } = setup();
  const t = tenant({ maxBudget: 1, spend: 0.5 });
  const pr = request(t);
  assert.equal(gate.admit(pr), undefined);
  answer(pr, 100, 200); // 100 × 0.001 + 200 × 0.002 = 0.5
  const refused = request(t);
  const r = gate.admit(refused);
  assert.equal(r?.outcome, 'budget_exceeded');
  assert.equal(r?.retryAfterMs, undefined);
  gate.release(refused, 'budget_exceeded');
  const text = await registry.metrics();
  assert.match(text, /spillway_tenant_refusals_total\{tenant="key:aaaaaaaa",code="budget_exceeded"\} 1/);
  assert.match(text, /spillway_tenant_spend_total\{tenant="key:aaaaaaaa"\} 0.5/);
  assert.match(text, /spillway_tenant_requests_total\{tenant="key:aaaaaaaa"\} 2/);
  const [delta] = gate.ledger.drainUsage();
  assert.deepEqual(delta, {
    keyHash: t.key.hash,
    teamId: undefined,
    requests: 2,
    promptTokens: 100,
    completionTokens: 200,
    spend: 0.5,
  });
  // Flushed but not yet read back: still counted; a fresh read from the store includes it.
  assert.equal(gate.admit(request(t))?.outcome, 'budget_exceeded');
  assert.equal(gate.admit(request(tenant({ maxBudget: 1, spend: 0.5 })))?.outcome, undefined);
});

test('a budget with a reset time is refused until then; past it, the stored spend no longer counts', () => {
  const wallNow = 1_000_000;
  const { gate, request } = setup(wallNow);
  const over = { maxBudget: 1, spend: 2, budgetDurationMs: 3_600_000 };
  const r = gate.admit(request(tenant({ ...over, budgetResetAtMs: wallNow + 5000 })));
  assert.equal(r?.retryAfterMs, 5000);
  assert.equal(gate.admit(request(tenant({ ...over, budgetResetAtMs: wallNow }))), undefined);
});

test('a stream whose client did not ask for usage gets a stripper; one that asked, or said anything, does not', () => {
  const { gate, request } = setup();
  const t = tenant();
  const plain = request(t, { stream: true });
  gate.admit(plain);
  assert.ok(plain.stripper !== undefined);
  assert.match(plain.upstreamBody('g').toString(), /^\{"stream_options":\{"include_usage":true\},"model"/);
  const asked = request(t, { stream: true, stream_options: { include_usage: false } });
  gate.admit(asked);
  assert.equal(asked.stripper, undefined);
});

test('tenant labels are bounded: the first N seen get their own series, the rest `other`', async () => {
  const registry = new Registry();
  const metrics = new TenantMetrics(registry, 2);
  assert.equal(metrics.label('a').name, 'a');
  assert.equal(metrics.label('b').name, 'b');
  assert.equal(metrics.label('c').name, 'other');
  assert.equal(metrics.label('d').name, 'other');
  assert.equal(metrics.label('a').name, 'a');
  for (const name of ['a', 'c', 'd']) metrics.label(name).requests.inc();
  const text = await registry.metrics();
  assert.doesNotMatch(text, /tenant="[cd]"/);
  assert.match(text, /spillway_tenant_requests_total\{tenant="other"\} 2/);
});
