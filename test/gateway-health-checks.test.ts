// Active health checks end to end: a deployment whose server dies leaves routing after unhealthy_threshold
// failed probes, and no request fails after that; brought back on the same port, it returns after
// healthy_threshold passing probes. GET /health answers in LiteLLM's shape, behind the master key.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../src/config/load.ts';
import { type MockHandle, startMock } from '../src/mock/server.ts';
import { eventually, type RunningGateway, startGateway } from './helpers/gateway.ts';

const KEY = 'sk-health';
const auth = { authorization: `Bearer ${KEY}` };

function config(mocks: MockHandle[], healthChecks: string): string {
  const list = mocks
    .map((m) => `  - model_name: g\n    litellm_params: { model: openai/m, api_base: "${m.apiBase}" }`)
    .join('\n');
  // No retries, and cooldowns that never judge (min_requests far above what the test sends): what takes the
  // dead deployment out of routing is the health checks alone.
  return `model_list:
${list}
router_settings: { num_retries: 0 }
general_settings: { master_key: ${KEY} }
spillway:
  cooldown: { min_requests: 100000 }
${healthChecks}`;
}

const CHECKS = '  health_checks: { interval_ms: 40, timeout_ms: 500, unhealthy_threshold: 2, healthy_threshold: 2 }\n';

/** Counts the chat requests (not the probes) that reach `mock`. */
function chats(mock: MockHandle): { n: number } {
  const count = { n: 0 };
  mock.events.on('request', (req: { url?: string }) => {
    if (req.url?.endsWith('/chat/completions')) count.n++;
  });
  return count;
}

interface Endpoint {
  model: string;
  api_base: string;
  model_name: string;
  model_id: string;
  error?: string;
}
interface HealthBody {
  healthy_endpoints: Endpoint[];
  unhealthy_endpoints: Endpoint[];
  healthy_count: number;
  unhealthy_count: number;
}

const getHealth = async (url: string) => (await (await fetch(`${url}/health`, { headers: auth })).json()) as HealthBody;

interface Sent {
  ok: boolean;
  /** Sent after the test saw the dead deployment leave routing. */
  afterDetection: boolean;
}

/** `workers` loops sending chat requests back to back until `stop()`; every result is kept. */
function traffic(gw: RunningGateway, workers: number) {
  const sent: Sent[] = [];
  const state = { stopped: false, detected: false };
  const body = JSON.stringify({ model: 'g', messages: [{ role: 'user', content: 'hi' }] });
  const loop = async () => {
    while (!state.stopped) {
      const afterDetection = state.detected;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      sent.push({ ok: res.ok, afterDetection });
    }
  };
  const loops = Array.from({ length: workers }, loop);
  return {
    sent,
    state,
    async stop() {
      state.stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('active health checks', () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const o of open.reverse()) await o.close();
  });

  it('a killed deployment leaves routing after the threshold of failed probes, with no error after; it comes back', async () => {
    const a = await startMock();
    let b = await startMock();
    open.push(a);
    const gw = await startGateway(config([a, b], CHECKS));
    open.push(gw);
    const dead = gw.gateway.deployments[1];
    const target = gw.gateway.health.checker!.status()[1];
    await eventually(() => target.passes >= 1, 'a first passing probe of the second deployment');

    const load = traffic(gw, 4);
    open.push({ close: load.stop });
    const before = chats(b);
    await eventually(() => before.n > 10, 'traffic reaching the second deployment');
    await b.close();
    await eventually(() => !dead.healthy, 'the dead deployment leaving routing');
    load.state.detected = true;
    assert.equal(target.failures, 2, 'out after unhealthy_threshold failed probes in a row');
    assert.ok(target.lastError !== undefined);
    const detectedAt = load.sent.length;
    await eventually(() => load.sent.length > detectedAt + 40, '40 more requests');

    b = await startMock({ port: b.port });
    open.push(b);
    const again = chats(b);
    await eventually(() => dead.healthy, 'the deployment returning');
    assert.equal(target.passes, 2, 'back after healthy_threshold passing probes in a row');
    assert.equal(again.n, 0, 'no request reached it before it was healthy again');
    await eventually(() => again.n > 5, 'traffic reaching it again');
    await load.stop();

    const after = load.sent.filter((s) => s.afterDetection);
    assert.ok(after.length >= 40);
    assert.deepEqual(
      after.filter((s) => !s.ok),
      [],
      'no request failed once the dead deployment had left routing',
    );
    await gw.assertIdle();
  });

  it('GET /health: LiteLLM shape, master key required, from the checks when on', async () => {
    const a = await startMock();
    const b = await startMock();
    open.push(a);
    const gw = await startGateway(config([a, b], CHECKS));
    open.push(gw);
    assert.equal((await fetch(`${gw.url}/health`)).status, 401);
    const target = gw.gateway.health.checker!.status()[1];
    await eventually(() => target.passes >= 1, 'a first probe');
    const healthy = await getHealth(gw.url);
    assert.equal(healthy.healthy_count, 2);
    assert.equal(healthy.unhealthy_count, 0);
    assert.deepEqual(healthy.healthy_endpoints[1], {
      model: 'openai/m',
      api_base: b.apiBase,
      model_name: 'g',
      model_id: 'g-1',
    });
    await b.close();
    await eventually(() => !gw.gateway.deployments[1].healthy, 'the dead deployment leaving routing');
    const one = await getHealth(gw.url);
    assert.equal(one.healthy_count, 1);
    assert.equal(one.unhealthy_count, 1);
    assert.equal(one.unhealthy_endpoints[0].model_id, 'g-1');
    assert.equal(typeof one.unhealthy_endpoints[0].error, 'string');
  });

  it('GET /health with checks off probes each deployment once, and routing ignores the result', async () => {
    const a = await startMock();
    const b = await startMock();
    open.push(a);
    const gw = await startGateway(config([a, b], ''));
    open.push(gw);
    assert.equal(gw.gateway.health.checker, undefined);
    await b.close();
    const res = await getHealth(gw.url);
    assert.deepEqual([res.healthy_count, res.unhealthy_count, res.unhealthy_endpoints[0].api_base], [1, 1, b.apiBase]);
    assert.equal(gw.gateway.deployments[1].healthy, true);
  });

  it('follows a reload: an added deployment is probed and a dead one leaves routing; a removed one is no more', async () => {
    const a = await startMock();
    const b = await startMock();
    open.push(a, b);
    const gw = await startGateway(config([a], CHECKS));
    open.push(gw);
    assert.equal(gw.gateway.reload(parseConfig(config([a, b], CHECKS), {}).config), 'applied');
    assert.equal((await getHealth(gw.url)).healthy_count, 2);
    await b.close();
    await eventually(() => !gw.gateway.deployments[1].healthy, 'the added deployment, dead, leaving routing');
    assert.equal(gw.gateway.reload(parseConfig(config([a], CHECKS), {}).config), 'applied');
    const one = await getHealth(gw.url);
    assert.deepEqual([one.healthy_count, one.unhealthy_count], [1, 0]);
  });
});
