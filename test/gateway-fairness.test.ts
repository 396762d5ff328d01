// Fairness among tenants within a class, through a real gateway in front of a real upstream: the router queue
// serves tenants in turn, and a tenant under its share passes a full group cap and a full queue while the heavy
// one is refused; accounting back to zero after each scenario.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BpGateway,
  type HeldUpstream,
  post,
  queued,
  said,
  withHeld as withHeldUpstream,
} from './helpers/backpressure.ts';

// One engine taking one request at a time: everything else waits in the router queue. Standard requests may
// use all of every limit, so the shares below are of whole numbers.
const oneAtATime = (api: string, fairness: boolean, extra = '') => `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "${api}" }, model_info: { id: e1 } }
general_settings: { master_key: sk-admin }
spillway:
  keys:
    static:
      - { key: sk-heavy-1, key_alias: heavy }
      - { key: sk-light-1, key_alias: light }
  backpressure:
    enabled: true
    ingress: { priorities: { standard: 1 } }
    engine: { limit: { algorithm: fixed, initial: 1 } }
    router: { retry_after_min_ms: 50${extra} }
    fairness: { enabled: ${fairness} }
`;

const withHeld = (
  fairness: boolean,
  extra: string,
  body: (gw: BpGateway, up: HeldUpstream) => Promise<void>,
  groups = '',
) => withHeldUpstream((api) => oneAtATime(api, fairness, extra) + groups, body);

const ask = (gw: BpGateway, key: string, content: string) =>
  post(gw.url, { authorization: `Bearer ${key}` }, { messages: [{ role: 'user', content }] });
/** Lets the held requests go one at a time, each after the next reached the engine. */
async function serveAll(up: HeldUpstream, n: number): Promise<void> {
  for (let i = 1; i < n; i++) {
    up.releaseOne();
    await up.waitHeld(1);
  }
  up.releaseOne();
}

describe('fairness within a class', () => {
  for (const fairness of [true, false]) {
    it(`the queue serves tenants ${fairness ? 'in turn' : 'in deadline order (fairness off)'}`, () =>
      withHeld(fairness, '', async (gw, up) => {
        const all = [ask(gw, 'sk-heavy-1', 'a0')];
        await up.waitHeld(1);
        for (const c of ['a1', 'a2', 'a3', 'a4']) all.push(ask(gw, 'sk-heavy-1', c));
        await queued(gw, 4);
        for (const c of ['b0', 'b1']) all.push(ask(gw, 'sk-light-1', c));
        await queued(gw, 6);
        await serveAll(up, 7);
        for (const r of await Promise.all(all)) assert.equal(r.status, 200);
        assert.deepEqual(
          said(up),
          fairness ? ['a0', 'a1', 'b0', 'a2', 'b1', 'a3', 'a4'] : ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1'],
        );
      }));
  }

  it('a full group cap refuses the tenant over its share and admits the one under it', () =>
    withHeld(
      true,
      '',
      async (gw, up) => {
        const held = [ask(gw, 'sk-heavy-1', 'a0')];
        await up.waitHeld(1);
        for (const c of ['a1', 'a2', 'a3']) held.push(ask(gw, 'sk-heavy-1', c));
        await queued(gw, 3);
        const refused = await ask(gw, 'sk-heavy-1', 'a4');
        assert.equal(refused.status, 503);
        assert.equal(refused.json.error.code, 'ingress_inflight');
        // The light tenant's share of the 4 is 2: it passes the full cap twice, then is refused too.
        for (const c of ['b0', 'b1']) held.push(ask(gw, 'sk-light-1', c));
        await queued(gw, 5);
        const third = await ask(gw, 'sk-light-1', 'b2');
        assert.equal(third.json.error.code, 'ingress_inflight');
        await serveAll(up, 6);
        for (const r of await Promise.all(held)) assert.equal(r.status, 200);
      },
      '    groups: { m: { max_in_flight: 4 } }\n',
    ));

  it("a full queue: the light tenant takes the heavy one's room, up to its share", () =>
    withHeld(true, ', max_queue: 4', async (gw, up) => {
      const first = ask(gw, 'sk-heavy-1', 'a0');
      await up.waitHeld(1);
      const heavy = ['a1', 'a2', 'a3', 'a4'].map((c) => ask(gw, 'sk-heavy-1', c));
      await queued(gw, 4);
      const full = await ask(gw, 'sk-heavy-1', 'a5');
      assert.equal(full.json.error.code, 'router_queue_full');
      const light = ['b0', 'b1'].map((c) => ask(gw, 'sk-light-1', c));
      // Each displaced one of the heavy tenant's, which is answered router_queue_full.
      const displaced = (await Promise.all(heavy.slice(2))).map((r) => r.json?.error?.code);
      assert.deepEqual(displaced, ['router_queue_full', 'router_queue_full']);
      await queued(gw, 4);
      const over = await ask(gw, 'sk-light-1', 'b2');
      assert.equal(over.json.error.code, 'router_queue_full', 'at its share (2 of 4) the light one is refused too');
      await serveAll(up, 5);
      for (const r of await Promise.all([first, ...heavy.slice(0, 2), ...light])) assert.equal(r.status, 200);
      assert.deepEqual(said(up), ['a0', 'a1', 'b0', 'a2', 'b1']);
    }));
});
