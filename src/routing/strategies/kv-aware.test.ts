import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import type { PromptRouteRequest } from '../../load/view.ts';
import { seededRandom } from '../../util/random.ts';
import { kvAware } from './kv-aware.ts';

const SYSTEM = 'You are a meticulous assistant who answers in full sentences. '.repeat(64); // 3968 B ≈ 992 tokens

/** A prompt sharing nothing with the others. */
function filler(fleet: ReturnType<typeof testFleet>['fleet'], bytes: number, tag: string) {
  return fleet.analyze('g', 'completions', { prompt: tag + 'f'.repeat(bytes) });
}

function request(fleet: ReturnType<typeof testFleet>['fleet'], user: string): PromptRouteRequest {
  const body = { model: 'g', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: user }] };
  return { group: 'g', endpoint: 'chat', stream: true, body, bodyBytes: 0, prompt: fleet.analyze('g', 'chat', body) };
}

test('an idle fleet: every engine ties, and ties are broken at random', () => {
  const { fleet, views } = testFleet(4);
  const strategy = kvAware({ random: seededRandom(1) });
  const picks = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const id = strategy.pick(views, request(fleet, `q${i}`))!.id;
    picks.set(id, (picks.get(id) ?? 0) + 1);
  }
  assert.equal(picks.size, 4);
  for (const n of picks.values()) assert.ok(n > 60, `uneven tie-breaking: ${[...picks.values()]}`);
});

test('prefers the engine that holds the prompt prefix when loads are equal', () => {
  const { fleet, views } = testFleet(3);
  const strategy = kvAware({ random: seededRandom(2) });
  fleet.engine('e1').reserve(request(fleet, 'first question').prompt).release(); // e1 now caches SYSTEM
  const picked = strategy.pick(views, request(fleet, 'second question'));
  assert.equal(picked?.id, 'e1');
  const costs = strategy.explain(views, request(fleet, 'second question'));
  assert.equal(costs[1].cachedTokens, 960); // 15 full blocks of 256 B: 3840 of the prompt's 3999 B, of 1000 tokens
  assert.ok(costs[1].cost < costs[0].cost);
  assert.equal(costs[0].cost, costs[2].cost);
});

test('a cached prefix loses to a free engine once its queue outweighs the prefill it saves', () => {
  const { fleet, views } = testFleet(2);
  const strategy = kvAware({ random: seededRandom(3) });
  const warm = request(fleet, 'warm');
  fleet.engine('e0').reserve(warm.prompt).release();
  // e0 has SYSTEM cached but 6 prompts' worth of prefill queued.
  const queued = Array.from({ length: 6 }, (_, i) => fleet.engine('e0').reserve(request(fleet, `other ${i} `.repeat(200)).prompt));
  assert.equal(strategy.pick(views, request(fleet, 'next'))?.id, 'e1');
  // Once their prefill is done (first tokens seen), only their KV remains and the cache wins again... unless KV is heavy.
  for (const p of queued) p.firstToken();
  const costs = strategy.explain(views, request(fleet, 'next'));
  assert.equal(costs[0].queuedPrefillTokens, 0);
  for (const p of queued) p.release();
  assert.equal(strategy.pick(views, request(fleet, 'next'))?.id, 'e0');
  fleet.assertDrained();
});

test('the cost formula, checked by hand on one engine', () => {
  const { fleet, views } = testFleet(1, { blockSize: 16 });
  const strategy = kvAware({ random: seededRandom(4), prefillWeight: 2 });
  const load = fleet.engine('e0');
  const busy = load.reserve(request(fleet, 'x'.repeat(1600)).prompt); // some prefill queued and KV held
  const req = request(fleet, 'y'.repeat(400));
  const t = req.prompt!.tokens;
  const cached = req.prompt!.cachedTokens(load.slot);
  const uncached = t - cached;
  const expected = (2 * (load.queuedPrefillTokens() + uncached)) / 16 + load.kvBlocksUsed() + uncached / 16;
  assert.equal(strategy.explain(views, req)[0].cost, expected);
  busy.release();
});

test('busy engines are excluded; all busy means no pick', () => {
  const { fleet, views } = testFleet(2, { totalBlocks: 100, busyKvUsage: 0.5 });
  const strategy = kvAware({ random: seededRandom(5) });
  const big = (s: string) => request(fleet, s.repeat(4 * 16 * 60)); // > 60 blocks
  const p0 = fleet.engine('e0').reserve(big('a').prompt);
  assert.equal(fleet.engine('e0').isBusy(), true);
  assert.equal(strategy.pick(views, request(fleet, 'q'))?.id, 'e1');
  const p1 = fleet.engine('e1').reserve(big('b').prompt);
  assert.equal(strategy.pick(views, request(fleet, 'q')), undefined);
  p0.release();
  p1.release();
});

test('temperature spreads choices toward costlier engines, less the costlier they are', () => {
  const { fleet, views } = testFleet(3);
  const loads = [0, 1, 4].map((k, i) => Array.from({ length: k }, (_, j) => fleet.engine(`e${i}`).reserve(filler(fleet, 3000, `${i}.${j}`))));
  const count = (temperature: number) => {
    const s = kvAware({ random: seededRandom(6), temperature });
    const n = [0, 0, 0];
    const req = request(fleet, 'same question each time');
    for (let i = 0; i < 3000; i++) n[Number(s.pick(views, req)!.id.slice(1))]++;
    return n;
  };
  assert.deepEqual(count(0), [3000, 0, 0]);
  const warm = count(0.5);
  assert.ok(warm[0] > warm[1] && warm[1] > warm[2] && warm[2] > 0, String(warm));
  for (const p of loads.flat()) p.release();
  fleet.assertDrained();
});

test('a request without a prompt is routed on load alone', () => {
  const { fleet, views } = testFleet(2);
  const p = fleet.engine('e0').reserve(request(fleet, 'load').prompt);
  const strategy = kvAware({ random: seededRandom(7) });
  assert.equal(strategy.pick(views, { group: 'g', endpoint: 'embeddings', stream: false, body: {}, bodyBytes: 0 })?.id, 'e1');
  p.release();
});
