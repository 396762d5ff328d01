// Cooldowns that fail safe (issue 10, finding 2 and 5), short forms of the acceptance runs: real gateway, real
// mocks on 127.0.0.1 with seeded failure draws. bench/cooldown.ts runs the full figures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { Pool } from 'undici';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { type RunningGateway, startGateway } from './helpers/gateway.ts';
import { errorUpstream } from './helpers/upstreams.ts';

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

function twoDeployments(a: MockHandle, b: MockHandle, extra = ''): string {
  return `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${a.apiBase}" }, model_info: { id: a } }
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${b.apiBase}" }, model_info: { id: b } }
${extra}`;
}

/**
 * `total` chat requests, `concurrency` at a time, while readiness is polled back to back. Returns the status
 * counts and every readiness status seen.
 */
async function drive(gw: RunningGateway, total: number, concurrency: number, onAnswer?: (sent: number) => void) {
  const pool = new Pool(gw.url, { connections: concurrency });
  const statuses = new Map<number, number>();
  const readiness = new Set<number>();
  let sent = 0;
  let done = false;
  const worker = async () => {
    while (sent < total) {
      sent++;
      const r = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      await r.body.dump();
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      onAnswer?.(sent);
    }
  };
  const probe = async () => {
    while (!done) {
      const r = await pool.request({ path: '/health/readiness', method: 'GET' });
      await r.body.dump();
      readiness.add(r.statusCode);
    }
  };
  const probing = probe();
  await Promise.all(Array.from({ length: concurrency }, worker));
  done = true;
  await probing;
  await pool.close();
  return { statuses, readiness, ok: statuses.get(200) ?? 0 };
}

describe('cooldowns that fail safe', () => {
  it('two deployments failing 5 % at random, defaults: >= 99.9 % success, no cooldown, readiness never 503', async () => {
    const [a, b] = await Promise.all([
      startMock({ failRate: 0.05, seed: 11 }),
      startMock({ failRate: 0.05, seed: 23 }),
    ]);
    const gw = await startGateway(twoDeployments(a, b));
    try {
      const total = 3000;
      const r = await drive(gw, total, 16);
      assert.ok(a.stats.failed + b.stats.failed > 100, `the mocks failed ${a.stats.failed + b.stats.failed} times`);
      assert.ok(r.ok / total >= 0.999, `success ${r.ok}/${total}: ${JSON.stringify([...r.statuses])}`);
      assert.deepEqual([...r.readiness], [200]);
      for (const d of gw.gateway.deployments) assert.equal(d.ejections, 0, `${d.id} ejections`);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('the same with allowed_fails: 3 set: it cools deployments down, but never both at once, and the count starts afresh after each cooldown', async () => {
    const [a, b] = await Promise.all([
      startMock({ failRate: 0.05, seed: 11 }),
      startMock({ failRate: 0.05, seed: 23 }),
    ]);
    const gw = await startGateway(twoDeployments(a, b, 'router_settings: { allowed_fails: 3 }'));
    try {
      const total = 3000;
      const r = await drive(gw, total, 16);
      assert.ok(r.ok / total >= 0.999, `success ${r.ok}/${total}: ${JSON.stringify([...r.statuses])}`);
      assert.deepEqual([...r.readiness], [200]);
      assert.ok(
        gw.gateway.deployments.some((d) => d.ejections > 0),
        'allowed_fails 3 does cool deployments down at this rate',
      );
      assert.ok(
        gw.gateway.deployments.some((d) => d.ejectionsPrevented > 0),
        'never both at once',
      );
      await gw.assertIdle();
    } finally {
      await gw.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('one deployment failing 100 %: out after min_requests of its attempts, >= 99.9 % success through the other', async () => {
    const [dead, live] = await Promise.all([startMock({ failRate: 1 }), startMock()]);
    const gw = await startGateway(twoDeployments(dead, live));
    const d = gw.gateway.deployments.find((x) => x.id === 'a')!;
    let reachedAtEjection = -1;
    try {
      const total = 2000;
      const concurrency = 16;
      const r = await drive(gw, total, concurrency, () => {
        if (reachedAtEjection < 0 && d.isCoolingDown()) reachedAtEjection = dead.stats.received;
      });
      assert.ok(reachedAtEjection >= 10, `ejected after ${reachedAtEjection} attempts`);
      // min_requests (10), plus those already in flight when the tenth failed.
      assert.ok(reachedAtEjection <= 10 + concurrency, `ejected after ${reachedAtEjection} attempts`);
      assert.equal(d.lastEjection?.failureRate, 1);
      assert.ok(r.ok / total >= 0.999, `success ${r.ok}/${total}: ${JSON.stringify([...r.statuses])}`);
      assert.deepEqual([...r.readiness], [200]);
      const health = (await (await fetch(`${gw.url}/health/upstreams`)).json()) as {
        model_groups: Array<{ deployments: Array<{ id: string; state: string; ejections: number }> }>;
      };
      assert.deepEqual(
        health.model_groups[0].deployments.map((x) => [x.id, x.state, x.ejections]),
        [
          ['a', 'cooling_down', 1],
          ['b', 'healthy', 0],
        ],
      );
      await gw.assertIdle();
    } finally {
      await gw.close();
      await Promise.all([dead.close(), live.close()]);
    }
  });

  it('a 429 with retry-after: 999999999 cools the deployment for at most the cap (60 s), and the client is told at most the cap', async () => {
    const limited = await errorUpstream(429, 'slow down', 'rate_limit_error', '999999999');
    const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${limited.url}" } }
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${limited.url}" } }
router_settings: { num_retries: 1 }
`);
    try {
      await assert.rejects(
        gw.client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
        (e) => {
          assert.ok(e instanceof OpenAI.RateLimitError);
          assert.equal(e.code, 'upstream_rate_limited');
          assert.equal(e.headers?.get('retry-after-ms'), '60000');
          assert.equal(e.headers?.get('retry-after'), '60');
          return true;
        },
      );
      // A 429 takes a deployment of a group of two out at once; the max ejection share keeps the other in.
      const cooling = gw.gateway.deployments.filter((d) => d.isCoolingDown());
      assert.equal(cooling.length, 1);
      const ms = cooling[0].cooldownRemainingMs();
      assert.ok(ms > 59_000 && ms <= 60_000, `cooldown ${ms}`);
      assert.equal(limited.requests, 2);
      await gw.assertIdle();
    } finally {
      await gw.close();
      await limited.close();
    }
  });
});
