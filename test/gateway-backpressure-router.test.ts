// Level 2 (router) back pressure against real servers: the router queue's order, bounds, deadlines, expiry,
// client disconnects and shutdown; accounting back to zero after each scenario.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNTING_AT_ZERO } from '../src/pipeline/test-support.ts';
import {
  type BpGateway,
  type HeldUpstream,
  heldUpstream,
  metric,
  post,
  queued,
  said,
  startBpGateway,
  withHeld as withHeldUpstream,
} from './helpers/backpressure.ts';
import { eventually } from './helpers/gateway.ts';

// One engine taking one request at a time (a fixed concurrency limit of 1): everything else waits in the router.
const oneAtATime = (api: string, router = '', extra = '') => `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${api}" }, model_info: { id: e1 } }
spillway:
  backpressure:
    enabled: true
    engine: { limit: { algorithm: fixed, initial: 1 } }
    router: { retry_after_min_ms: 50${router} }
${extra}`;

const withHeld = (router: string, body: (gw: BpGateway, up: HeldUpstream) => Promise<void>) =>
  withHeldUpstream((api) => oneAtATime(api, router), body);

const ask = (gw: BpGateway, content: string, headers: Record<string, string> = {}) =>
  post(gw.url, headers, { messages: [{ role: 'user', content }] });
describe('router queue', () => {
  it('holds requests while the engine is busy and hands them out by priority, then deadline, as capacity frees', () =>
    withHeld('', async (gw, up) => {
      const first = ask(gw, 'first');
      await up.waitHeld(1);
      const rest = [
        ask(gw, 'standard-late', { 'x-spillway-ttft-budget-ms': '9000' }),
        ask(gw, 'sheddable', { 'x-spillway-priority': 'sheddable' }),
        ask(gw, 'standard-early', { 'x-spillway-ttft-budget-ms': '5000' }),
        ask(gw, 'critical', { 'x-spillway-priority': 'critical' }),
      ];
      await queued(gw, 4);
      assert.equal(up.requests, 1, 'nothing reached the engine while it was busy');
      for (let i = 1; i <= 4; i++) {
        up.releaseOne();
        await up.waitHeld(1);
        assert.equal(up.requests, i + 1);
      }
      up.releaseOne();
      for (const r of await Promise.all([first, ...rest])) assert.equal(r.status, 200);
      assert.deepEqual(said(up), ['first', 'critical', 'standard-early', 'standard-late', 'sheddable']);
      const text = await gw.metricsText();
      assert.equal(metric(text, 'spillway_router_queue_wait_seconds_count', 'result="dispatched"'), 4);
    }));

  it('full queue: 503 router_queue_full from the router, Retry-After from the drain rate', () =>
    withHeld(', max_queue: 1', async (gw, up) => {
      const first = ask(gw, 'a');
      await up.waitHeld(1);
      const second = ask(gw, 'b');
      await queued(gw, 1);
      const third = await ask(gw, 'c');
      assert.equal(third.status, 503);
      assert.equal(third.json.error.code, 'router_queue_full');
      assert.equal(third.headers.get('x-spillway-rejected-by'), 'router');
      assert.ok(Number(third.headers.get('retry-after-ms')) >= 50);
      up.releaseOne();
      await up.waitHeld(1);
      up.releaseOne();
      assert.equal((await first).status, 200);
      assert.equal((await second).status, 200);
    }));

  it('a request whose estimated wait exceeds its remaining TTFT budget is refused at once', () =>
    withHeld('', async (gw, up) => {
      // Three completions give a drain rate.
      for (let i = 0; i < 3; i++) {
        const r = ask(gw, `warm${i}`);
        await up.waitHeld(1);
        up.releaseOne();
        assert.equal((await r).status, 200);
      }
      const rate = gw.gateway.backpressure!.groups.get('m')!.drainRate.perMs();
      assert.ok(rate > 0, `drain rate ${rate}`);
      const busy = ask(gw, 'busy');
      await up.waitHeld(1);
      const waiting = [ask(gw, 'q1'), ask(gw, 'q2'), ask(gw, 'q3')];
      await queued(gw, 3);
      const expectedWait = 4 / rate;
      const started = performance.now();
      const tight = await ask(gw, 'tight', {
        'x-spillway-ttft-budget-ms': String(Math.max(1, Math.floor(expectedWait / 2))),
      });
      assert.equal(tight.status, 503);
      assert.equal(tight.json.error.code, 'router_deadline');
      assert.ok(performance.now() - started < expectedWait / 2, 'refused before its budget ran out, not after');
      assert.match(tight.json.error.message, /estimated wait/);
      for (let i = 0; i < 4; i++) {
        up.releaseOne();
        if (i < 3) await up.waitHeld(1);
      }
      for (const r of await Promise.all([busy, ...waiting])) assert.equal(r.status, 200);
    }));

  it('a request that outlives its budget in the queue is refused when it expires', () =>
    withHeld('', async (gw, up) => {
      const busy = ask(gw, 'busy');
      await up.waitHeld(1);
      const started = performance.now();
      const late = await ask(gw, 'late', { 'x-spillway-ttft-budget-ms': '150' });
      const waited = performance.now() - started;
      assert.equal(late.status, 503);
      assert.equal(late.json.error.code, 'router_queue_timeout');
      assert.equal(late.headers.get('x-spillway-rejected-by'), 'router');
      assert.ok(waited >= 140 && waited < 2000, `waited ${waited} ms`);
      up.releaseOne();
      assert.equal((await busy).status, 200);
      const text = await gw.metricsText();
      assert.equal(metric(text, 'spillway_router_queue_wait_seconds_count', 'result="expired"'), 1);
      // The late refusal is in the refusal time, with its real time (≥ 140 ms), besides its first decision (queued).
      assert.equal(metric(text, 'spillway_backpressure_decision_seconds_count', 'decision="refused"'), 1);
      assert.equal(metric(text, 'spillway_backpressure_decision_seconds_bucket', 'decision="refused",le="0.1"'), 0);
      assert.equal(metric(text, 'spillway_backpressure_decision_seconds_bucket', 'decision="refused",le="2.5"'), 1);
      assert.equal(metric(text, 'spillway_backpressure_decision_seconds_count', 'decision="queued"'), 1);
    }));

  it('a client that disconnects while queued is removed and counted', () =>
    withHeld('', async (gw, up) => {
      const busy = ask(gw, 'busy');
      await up.waitHeld(1);
      const abort = new AbortController();
      const gone = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'gone' }] }),
        signal: abort.signal,
      }).catch((e: Error) => e);
      await queued(gw, 1);
      abort.abort();
      assert.ok((await gone) instanceof Error);
      await queued(gw, 0);
      up.releaseOne();
      assert.equal((await busy).status, 200);
      assert.equal(up.requests, 1, 'the abandoned request never reached the engine');
      const text = await gw.metricsText();
      assert.equal(metric(text, 'spillway_router_queue_wait_seconds_count', 'result="client_closed"'), 1);
      assert.equal(gw.gateway.backpressure!.groups.get('m')!.abandoned, 1);
      await eventually(() => gw.gateway.backpressure!.accounting().inFlight === 0, 'admission released');
    }));

  it('with the queue off, busy engines refuse at once with the gate that stopped them', () =>
    withHeld(', max_queue: 0', async (gw, up) => {
      const busy = ask(gw, 'busy');
      await up.waitHeld(1);
      const r = await ask(gw, 'next');
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'engine_concurrency');
      assert.equal(r.headers.get('x-spillway-rejected-by'), 'engine');
      up.releaseOne();
      assert.equal((await busy).status, 200);
    }));

  it('shutdown answers what is still queued with 503 shutting_down', async () => {
    const up = await heldUpstream();
    const gw = await startBpGateway(oneAtATime(up.url));
    try {
      const busy = ask(gw, 'busy');
      await up.waitHeld(1);
      const waiting = ask(gw, 'waiting');
      await queued(gw, 1);
      const closing = gw.gateway.shutdown(2000);
      const r = await waiting;
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'shutting_down');
      up.releaseOne();
      assert.equal((await busy).status, 200);
      assert.equal(await closing, true);
      assert.deepEqual(gw.gateway.backpressure!.accounting(), ACCOUNTING_AT_ZERO);
    } finally {
      await up.close();
    }
  });
});
