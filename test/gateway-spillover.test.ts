// Spillover against real servers: a request back pressure would refuse for its group goes to the group's
// fallback instead, through the fallback group's own back pressure, at each gate (ingress, router, engine);
// per class; named in x-spillway-spilled-to and counted by gate; both groups' accounting back to zero.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BpGateway,
  type HeldUpstream,
  heldUpstream,
  metric,
  post,
  queued,
  startBpGateway,
} from './helpers/backpressure.ts';

/** Groups a and b, one engine each taking one request at a time; a falls back to b. */
const cfg = (a: string, b: string, spill: string, bp = '') => `
model_list:
  - { model_name: a, litellm_params: { model: openai/xa, api_base: "${a}" }, model_info: { id: a1 } }
  - { model_name: b, litellm_params: { model: openai/xb, api_base: "${b}" }, model_info: { id: b1 } }
router_settings: { fallbacks: [{ a: [b] }] }
spillway:
  spillover: ${spill}
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 1 } }
${bp}
`;

async function withTwo(
  spill: string,
  bp: string,
  body: (gw: BpGateway, a: HeldUpstream, b: HeldUpstream) => Promise<void>,
): Promise<void> {
  const a = await heldUpstream();
  const b = await heldUpstream();
  const gw = await startBpGateway(cfg(a.url, b.url, spill, bp));
  try {
    await body(gw, a, b);
    await gw.assertDrained();
  } finally {
    a.releaseAll();
    b.releaseAll();
    await gw.close();
    await a.close();
    await b.close();
  }
}

const ON = '{ enabled: true }';
const ask = (gw: BpGateway, model: string, priority = 'standard') =>
  post(gw.url, { 'x-spillway-priority': priority }, { model });

/** Holds one request in a, then asks once more: back pressure's refusal of that one is what spills. */
async function spillOne(gw: BpGateway, a: HeldUpstream, b: HeldUpstream, gate: string): Promise<void> {
  const first = ask(gw, 'a');
  await a.waitHeld(1);
  const spilled = ask(gw, 'a');
  await b.waitHeld(1);
  b.releaseAll();
  const r = await spilled;
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-spillway-spilled-to'), 'b');
  assert.equal(r.headers.get('x-spillway-deployment'), 'b1');
  assert.equal((b.bodies[0] as { model: string }).model, 'xb');
  a.releaseAll();
  assert.equal((await first).status, 200);
  const text = await gw.metricsText();
  assert.equal(metric(text, 'spillway_spills_total', `model_group="a",to="b",gate="${gate}"`), 1);
  assert.equal(metric(text, 'spillway_backpressure_rejections_total', 'model_group="a"'), 0, 'a spill is no refusal');
}

describe('spillover', () => {
  it("at the ingress: a's in-flight cap refuses, b answers", () =>
    withTwo(ON, '    groups: { a: { max_in_flight: 1 } }', (gw, a, b) => spillOne(gw, a, b, 'ingress')));

  it("at the router: a's queue is full, b answers", () =>
    withTwo(ON, '    router: { max_queue: 1, retry_after_min_ms: 50 }', async (gw, a, b) => {
      const first = ask(gw, 'a');
      await a.waitHeld(1);
      const queuedInA = ask(gw, 'a');
      await queued(gw, 1);
      const spilled = ask(gw, 'a');
      await b.waitHeld(1);
      b.releaseAll();
      const r = await spilled;
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-spillway-spilled-to'), 'b');
      a.releaseAll();
      assert.equal((await first).status, 200);
      await a.waitHeld(1);
      a.releaseAll();
      assert.equal((await queuedInA).status, 200);
      const text = await gw.metricsText();
      assert.equal(metric(text, 'spillway_spills_total', 'model_group="a",to="b",gate="router"'), 1);
    }));

  it('at the engine gate: every engine of a at its concurrency limit and no queue, b answers', () =>
    withTwo(ON, '    router: { max_queue: 0 }', (gw, a, b) => spillOne(gw, a, b, 'engine')));

  it("through the fallback group's own back pressure: b refuses too, and its refusal is the answer", () =>
    withTwo(ON, '    groups: { a: { max_in_flight: 1 }, b: { max_in_flight: 1 } }', async (gw, a, b) => {
      const first = ask(gw, 'a');
      const inB = ask(gw, 'b');
      await a.waitHeld(1);
      await b.waitHeld(1);
      const r = await ask(gw, 'a');
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'ingress_inflight');
      assert.match(r.json.error.message, /model group "b"/);
      assert.equal(r.headers.get('x-spillway-spilled-to'), 'b');
      a.releaseAll();
      b.releaseAll();
      assert.deepEqual([(await first).status, (await inB).status], [200, 200]);
    }));

  it('per class: only the classes listed spill; the others are refused where they are', () =>
    withTwo('{ enabled: true, classes: [sheddable] }', '    groups: { a: { max_in_flight: 1 } }', async (gw, a, b) => {
      const first = ask(gw, 'a', 'critical');
      await a.waitHeld(1);
      const standard = await ask(gw, 'a', 'standard');
      assert.equal(standard.status, 503);
      assert.equal(standard.json.error.code, 'ingress_inflight');
      assert.equal(standard.headers.get('x-spillway-spilled-to'), null);
      const sheddable = ask(gw, 'a', 'sheddable');
      await b.waitHeld(1);
      b.releaseAll();
      assert.equal((await sheddable).headers.get('x-spillway-spilled-to'), 'b');
      a.releaseAll();
      assert.equal((await first).status, 200);
    }));

  it('off by default: the refusal is the answer', () =>
    withTwo('{}', '    groups: { a: { max_in_flight: 1 } }', async (gw, a, b) => {
      const first = ask(gw, 'a');
      await a.waitHeld(1);
      const r = await ask(gw, 'a');
      assert.equal(r.status, 503);
      assert.equal(b.requests, 0);
      a.releaseAll();
      await first;
    }));
});
