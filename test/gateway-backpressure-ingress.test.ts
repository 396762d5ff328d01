// Level 1 (ingress) back pressure against real servers: each gate refuses with its status, code and headers;
// refusals come before the body is parsed where they can; accounting returns to zero.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldUpstream, metric, post, startBpGateway } from './helpers/backpressure.ts';
import { eventually, startGateway } from './helpers/gateway.ts';

const cfg = (api: string, bp: string, extra = '') => `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${api}" } }
${extra}
spillway:
  backpressure:
    enabled: true
${bp}
`;

describe('ingress back pressure', () => {
  it('is off by default: no controller, nothing refused', async () => {
    const up = await heldUpstream();
    const gw = await startGateway(cfg(up.url, '').replace(/spillway:[\s\S]*/, ''));
    try {
      assert.equal(gw.gateway.backpressure, undefined);
      const calls = [post(gw.url), post(gw.url), post(gw.url)];
      await up.waitHeld(3);
      up.releaseAll();
      for (const r of await Promise.all(calls)) assert.equal(r.status, 200);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('global in-flight cap per class: 503 ingress_inflight with Retry-After, decided before the body is parsed', async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(
      cfg(
        up.url,
        `    ingress: { max_in_flight: 4, priorities: { critical: 1, standard: 0.5, sheddable: 0.25 }, shedding: { rule: cliff } }`,
      ),
    );
    try {
      const held = [post(gw.url), post(gw.url)];
      await up.waitHeld(2);
      // Standard is at its share (2 of 4). A body that is not even JSON is refused for load, not for syntax:
      // the body was never parsed.
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-spillway-rejected-by'), 'ingress');
      const ms = Number(res.headers.get('retry-after-ms'));
      assert.ok(ms >= 100 && ms <= 30_000, `retry-after-ms ${ms}`);
      assert.equal(res.headers.get('retry-after'), String(Math.ceil(ms / 1000)));
      const body = (await res.json()) as { error: { type: string; code: string } };
      assert.deepEqual([body.error.type, body.error.code], ['overloaded', 'ingress_inflight']);
      // Sheddable hits its share earlier; critical still gets in.
      assert.equal((await post(gw.url, { 'x-spillway-priority': 'sheddable' })).json.error.code, 'ingress_inflight');
      const critical = post(gw.url, { 'x-spillway-priority': 'critical' });
      await up.waitHeld(3);
      up.releaseAll();
      for (const r of await Promise.all([...held, critical])) assert.equal(r.status, 200);
      const text = await gw.metricsText();
      assert.equal(
        metric(
          text,
          'spillway_backpressure_rejections_total',
          'level="ingress",reason="ingress_inflight",priority="standard",model_group="none"',
        ),
        1,
      );
      assert.equal(metric(text, 'spillway_backpressure_rejections_total', 'priority="sheddable"'), 1);
      assert.equal(metric(text, 'spillway_backpressure_admitted_total', 'priority="critical"'), 1);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('per-group cap and a malformed priority header', async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(cfg(up.url, `    groups: { m: { max_in_flight: 1 } }`));
    try {
      const first = post(gw.url);
      await up.waitHeld(1);
      const second = await post(gw.url);
      assert.equal(second.status, 503);
      assert.equal(second.json.error.code, 'ingress_inflight');
      assert.match(second.json.error.message, /model group "m"/);
      const bad = await post(gw.url, { 'x-spillway-priority': 'urgent' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.param, 'x-spillway-priority');
      up.releaseAll();
      assert.equal((await first).status, 200);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('KV budget: predicted blocks in flight + this prompt over overcommit × capacity is refused; 429 when configured', async () => {
    const up = await heldUpstream();
    // 10 blocks of 16 tokens per engine, overcommit 1.25: a budget of 12.5 blocks (200 tokens ≈ 800 body bytes).
    const gw = await startBpGateway(
      cfg(
        up.url,
        `    reject_status: 429
    ingress: { kv_capacity_blocks: 10, block_size: 16, priorities: { standard: 1, sheddable: 1 } }
    router: { kv_busy: 1, prefill_busy_tokens: 100000 }`,
      ),
    );
    try {
      const prompt = 'x'.repeat(400); // ~120 tokens with the JSON around it: ~7.5 blocks
      const first = post(gw.url, {}, { messages: [{ role: 'user', content: prompt }] });
      await up.waitHeld(1);
      const refused = await post(gw.url, {}, { messages: [{ role: 'user', content: prompt }] });
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.type, 'overloaded');
      assert.equal(refused.json.error.code, 'ingress_kv_budget');
      assert.equal(refused.headers.get('x-spillway-rejected-by'), 'ingress');
      // A small prompt still fits beside it.
      const small = post(gw.url, {}, { messages: [{ role: 'user', content: 'hi' }] });
      await up.waitHeld(2);
      up.releaseAll();
      assert.equal((await first).status, 200);
      assert.equal((await small).status, 200);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('probabilistic shedding refuses some sheddable requests before their limit, none of the others', async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(
      cfg(
        up.url,
        `    ingress: { max_in_flight: 10, priorities: { critical: 1, standard: 1, sheddable: 1 }, shedding: { rule: linear, start: 0 } }`,
      ),
    );
    try {
      const held = Array.from({ length: 5 }, () => post(gw.url));
      await up.waitHeld(5);
      // Load 5 of 10 with shedding from 0: p = 0.5 for sheddable, 0 for standard. Each admitted sheddable request
      // raises the load; once 10 are in flight the cap itself answers (ingress_inflight), in the runs where five
      // sheddable requests got in first. Nothing is released in this phase, so the in-flight count only grows and
      // one read below the cap when a refusal arrives means it was below the cap when the refusal was decided.
      const bp = gw.gateway.backpressure!;
      const refused: Array<{ code: string; atCap: boolean }> = [];
      const shed = Array.from({ length: 40 }, () =>
        post(gw.url, { 'x-spillway-priority': 'sheddable' }).then((r) => {
          if (r.status === 503) refused.push({ code: r.json.error.code, atCap: bp.accounting().inFlight >= 10 });
          return r;
        }),
      );
      // Admitted ones are held by the upstream; refused ones are answered at once.
      await eventually(() => refused.length + up.held === 45, 'every sheddable request answered or held');
      assert.ok(refused.length > 5 && refused.length < 40, `refused ${refused.length} of 40`);
      // The cap answers first at 10, so a shed refusal was decided below the cap.
      assert.ok(
        refused.some((r) => r.code === 'ingress_priority_shed'),
        'shedding refused some before the cap',
      );
      for (const r of refused)
        if (!r.atCap) assert.equal(r.code, 'ingress_priority_shed', 'below the cap only shedding refuses');
      for (const r of refused)
        if (r.code !== 'ingress_priority_shed') assert.deepEqual(r, { code: 'ingress_inflight', atCap: true });
      up.releaseAll();
      await Promise.all([...held, ...shed]);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('an upstream of unknown capacity: no group cap of its own, so a burst above the old 512 per engine is all admitted', async () => {
    const up = await heldUpstream();
    // The engine limit is another gate's business: fixed and out of the way here.
    const gw = await startBpGateway(cfg(up.url, `    engine: { limit: { algorithm: fixed, initial: 100000 } }`));
    try {
      const bp = gw.gateway.backpressure!;
      assert.equal(bp.groups.get('m')!.admission.maxInFlight, Infinity);
      const n = 600;
      const all = Array.from({ length: n }, () => post(gw.url));
      await eventually(
        () => bp.accounting().inFlight === n,
        `all ${n} admitted (in flight ${bp.accounting().inFlight})`,
      );
      await up.waitHeld(1);
      const release = setInterval(() => up.releaseAll(), 5);
      try {
        for (const r of await Promise.all(all)) assert.equal(r.status, 200);
      } finally {
        clearInterval(release);
      }
      assert.equal(metric(await gw.metricsText(), 'spillway_backpressure_rejections_total', ''), 0);
      await gw.assertDrained();
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
