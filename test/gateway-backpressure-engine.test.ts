// Level 3 (engine) back pressure, status events and the admin endpoint, against real servers: the engine
// simulator and scripted upstreams, the official openai client where a user would use it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { startEngine } from '../src/sim/server.ts';
import { chunk, heldUpstream, metric, post, startBpGateway } from './helpers/backpressure.ts';
import { eventually } from './helpers/gateway.ts';
import { scriptedUpstream } from './helpers/upstreams.ts';
import { loadWhen } from './sim-helpers.ts';

const messages = [{ role: 'user' as const, content: 'Tell me something.' }];

describe('engine back pressure', () => {
  it("an engine's own 503 (--max-num-queued-reqs) re-routes the request and puts the engine in a penalty, not a cooldown", async () => {
    const engines = await Promise.all(
      [0, 1].map(() => startEngine({ speedup: 2, maxNumSeqs: 1, maxNumQueuedReqs: 1, model: 'sim' })),
    );
    const gw = await startBpGateway(`
model_list:
${engines.map((e, i) => `  - { model_name: m, litellm_params: { model: openai/sim, api_base: "${e.url}/v1" }, model_info: { id: e${i} } }`).join('\n')}
router_settings: { routing_strategy: least-busy, num_retries: 0, allowed_fails: 0 }
spillway:
  backpressure:
    enabled: true
    engine: { penalty_ms: 50, limit: { algorithm: fixed, initial: 8 } }
    router: { kv_busy: 1, prefill_busy_tokens: 1000000 }
`);
    try {
      const client = gw.client();
      const run = async () => {
        const stream = await client.chat.completions.create({ model: 'm', stream: true, max_tokens: 60, messages });
        let n = 0;
        for await (const c of stream) if (c.choices[0]?.delta?.content) n++;
        return n;
      };
      // Fill both engines (one running, one waiting each), then two more: the engines refuse them, they wait
      // out the penalty in the router queue, and are served.
      const first = [run(), run(), run(), run()];
      await Promise.all(engines.map((e) => loadWhen(e, (l) => l.running + l.waiting === 2)));
      const runs = await Promise.all([...first, run(), run()]);
      assert.deepEqual(runs, [60, 60, 60, 60, 60, 60]);
      const text = await gw.metricsText();
      const penalties =
        metric(text, 'spillway_engine_penalties_total', 'deployment="e0"') +
        metric(text, 'spillway_engine_penalties_total', 'deployment="e1"');
      assert.ok(penalties >= 1, `penalties ${penalties}`);
      assert.equal(
        metric(text, 'spillway_deployment_failure_responses_total', 'status="503"'),
        0,
        'not counted as a failure',
      );
      assert.equal(metric(text, 'spillway_deployment_cooled_down_total', 'model_group="m"'), 0);
      for (const d of gw.gateway.deployments) assert.equal(d.isCoolingDown(), false);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await Promise.all(engines.map((e) => e.close()));
    }
  });

  it("at an engine's concurrency limit, a class alone uses all of it; under an active class above it stops at its share and critical takes the headroom", async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${up.url}" }, model_info: { id: e1 } }
spillway:
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 10 } }
    router: { max_queue: 0 }
`);
    const as = (priority: string) => post(gw.url, { 'x-spillway-priority': priority });
    try {
      // Standard alone: no class above it is active, so it may fill all 10 slots.
      const alone = Array.from({ length: 10 }, () => as('standard'));
      await up.waitHeld(10);
      assert.equal((await as('standard')).json.error.code, 'engine_concurrency');
      up.releaseAll();
      for (const r of await Promise.all(alone)) assert.equal(r.status, 200);
      await gw.assertDrained();
      // A critical request makes critical active: sheddable may now hold ⌊0.7 · 10⌋ = 7 slots in all (the 2·√1
      // kept free for critical leave 8), and the 8th is refused at once although 3 are free.
      const held = [as('critical')];
      await up.waitHeld(1);
      held.push(...Array.from({ length: 6 }, () => as('sheddable')));
      await up.waitHeld(7);
      const shed = await as('sheddable');
      assert.equal(shed.status, 503);
      assert.equal(shed.json.error.code, 'engine_concurrency');
      // Standard gets up to 8: ⌊0.9 · 10⌋ = 9, less the 2·√1 slots kept free for the one critical request in
      // flight (engines.ts); critical takes the last two.
      held.push(as('standard'));
      await up.waitHeld(8);
      assert.equal((await as('standard')).json.error.code, 'engine_concurrency');
      held.push(as('critical'), as('critical'));
      await up.waitHeld(10);
      assert.equal((await as('critical')).json.error.code, 'engine_concurrency', 'the limit itself still holds');
      up.releaseAll();
      for (const r of await Promise.all(held)) assert.equal(r.status, 200);
      await gw.assertDrained();
    } finally {
      up.releaseAll();
      await gw.close();
      await up.close();
    }
  });

  it('an engine nearing its TTFT SLO sheds sheddable first, keeps serving critical, and its Retry-After says when it takes more', async () => {
    let delayMs = 40;
    const up = await scriptedUpstream((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      setTimeout(() => res.end(`${chunk('a') + chunk('b')}data: [DONE]\n\n`), delayMs);
    });
    // Fractions far apart so the gateway's own few ms of TTFT cannot blur the thresholds: 30, 50 and 100 ms.
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${up.url}" }, model_info: { id: e1 } }
spillway:
  backpressure:
    enabled: true
    ingress: { priorities: { standard: 0.5, sheddable: 0.3 } }
    engine: { ttft_slo_ms: 100, slo_min_samples: 2, slo_window_ms: 2000 }
`);
    const as = (priority: string) => post(gw.url, { 'x-spillway-priority': priority });
    try {
      assert.equal((await as('standard')).status, 200);
      assert.equal((await as('standard')).status, 200);
      // Mean TTFT ≥ 40 ms: over sheddable's share of the SLO (30 ms), refused at once.
      const refused = await as('sheddable');
      assert.equal(refused.status, 503);
      assert.equal(refused.json.error.code, 'engine_ttft_slo');
      assert.equal(refused.headers.get('x-spillway-rejected-by'), 'engine');
      const ms = Number(refused.headers.get('retry-after-ms'));
      assert.ok(ms > 0 && ms <= 2000, `retry-after-ms = when the window forgets the slow samples: ${ms}`);
      assert.equal(up.requests, 2);
      // Nothing new comes; once Retry-After has passed the window has forgotten, and sheddable is served again.
      delayMs = 0;
      await new Promise((r) => setTimeout(r, ms));
      assert.equal((await as('sheddable')).status, 200);
      // Over standard's share (mean ≥ (0 + 3 × 70) / 4 > 50 ms) but under the SLO: critical is still served.
      delayMs = 70;
      for (let i = 0; i < 3; i++) assert.equal((await as('critical')).status, 200);
      const standard = await as('standard');
      assert.equal(standard.status, 503);
      assert.equal(standard.json.error.code, 'engine_ttft_slo');
      assert.equal(
        metric(await gw.metricsText(), 'spillway_engine_backpressure_state', 'deployment="e1"'),
        2,
        'slow for a standard request',
      );
      assert.equal((await as('critical')).status, 200);
      assert.equal(up.requests, 7);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('status events', () => {
  it('queued requests get SSE comments the openai SDK ignores, then their stream', async () => {
    const engine = await startEngine({ speedup: 10, model: 'sim' });
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/sim, api_base: "${engine.url}/v1" }, model_info: { id: e1 } }
spillway:
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 1 } }
`);
    try {
      const client = new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: 'unused',
        maxRetries: 0,
        defaultHeaders: { 'x-spillway-status-events': '1' },
      });
      const read = async () => {
        const stream = await client.chat.completions.create({ model: 'm', stream: true, max_tokens: 15, messages });
        let text = '';
        for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
        return text;
      };
      // The raw bytes of a queued request, beside two SDK streams competing for the one slot.
      const raw = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-spillway-status-events': '1' },
        body: JSON.stringify({ model: 'm', stream: true, max_tokens: 5, messages }),
      }).then((r) => r.text());
      const texts = await Promise.all([read(), read()]);
      for (const t of texts) assert.ok(t.length > 0);
      const body = await raw;
      const queuedAt = body.indexOf(': queued position=');
      const dispatchedAt = body.indexOf(': dispatched engine=e1');
      // Whoever was queued saw both comments, in order, before its first data line.
      if (queuedAt >= 0) {
        assert.ok(dispatchedAt > queuedAt, body.slice(0, 300));
        assert.ok(body.indexOf('data: ') > dispatchedAt);
      }
      assert.ok(body.includes('data: [DONE]'));
      assert.ok(
        Number(metric(await gw.metricsText(), 'spillway_router_queue_wait_seconds_count', 'result="dispatched"')) >= 1,
        'someone was queued',
      );
      await gw.assertDrained();
    } finally {
      await gw.close();
      await engine.close();
    }
  });

  it('a refusal after the head went out arrives as an SSE error event the SDK raises', async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${up.url}" } }
spillway:
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 1 } }
`);
    try {
      const busy = post(gw.url);
      await up.waitHeld(1);
      const client = new OpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: 'unused',
        maxRetries: 0,
        defaultHeaders: { 'x-spillway-status-events': '1', 'x-spillway-ttft-budget-ms': '100' },
      });
      const stream = await client.chat.completions.create({ model: 'm', stream: true, messages });
      await assert.rejects(
        async () => {
          for await (const _ of stream);
        },
        (e: unknown) => e instanceof OpenAI.APIError && /time-to-first-token budget ran out/.test(e.message),
      );
      up.releaseAll();
      assert.equal((await busy).status, 200);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('/admin/backpressure', () => {
  it('reads and changes thresholds at run time, with the master key only', async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${up.url}" } }
general_settings: { master_key: sk-admin }
spillway:
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 1 } }
`);
    const admin = (method: string, body?: unknown, key = 'sk-admin') =>
      fetch(`${gw.url}/admin/backpressure`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      assert.equal((await admin('GET', undefined, 'wrong')).status, 401);
      assert.equal((await admin('POST')).status, 405);
      const before = (await (await admin('GET')).json()) as any;
      assert.equal(before.settings.router.max_queue, 1024);
      assert.equal(before.state.groups.m.engines[0].state, 'ok');
      const bad = await admin('PUT', { router: { max_queue: -1 }, ingress: { priorities: { sheddable: 2 } } });
      assert.equal(bad.status, 400);
      const problem = ((await bad.json()) as any).error.message as string;
      assert.match(problem, /^Nothing changed: /);
      assert.match(problem, /router\.max_queue/);
      assert.match(problem, /ingress\.priorities\.sheddable/);
      const put = await admin('PUT', { router: { max_queue: 0 } });
      assert.equal(put.status, 200);
      assert.equal(((await put.json()) as any).settings.router.max_queue, 0);
      // The next busy moment is refused at once instead of queued.
      const busy = post(gw.url, { authorization: 'Bearer sk-admin' });
      await up.waitHeld(1);
      const r = await post(gw.url, { authorization: 'Bearer sk-admin' });
      assert.equal(r.json.error.code, 'engine_concurrency');
      up.releaseAll();
      assert.equal((await busy).status, 200);
      await eventually(() => gw.gateway.backpressure!.accounting().inFlight === 0, 'drained');
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('is refused when no master key is configured', async () => {
    const gw = await startBpGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://127.0.0.1:9/v1" } }
spillway: { backpressure: { enabled: true } }
`);
    try {
      const r = await fetch(`${gw.url}/admin/backpressure`);
      assert.equal(r.status, 401);
      assert.match(((await r.json()) as any).error.message, /master_key/);
    } finally {
      await gw.close();
    }
  });
});
