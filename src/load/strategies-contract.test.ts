// The contract every load-aware strategy keeps (kv-aware, least-kv, prefix-hash): it picks one of the
// candidates or none, skips busy engines, never touches the load it reads, and copes with an empty list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kvAware } from '../routing/strategies/kv-aware.ts';
import { leastKv } from '../routing/strategies/least-kv.ts';
import { prefixHash } from '../routing/strategies/prefix-hash.ts';
import type { EngineView, RouteRequest, RoutingStrategy } from '../routing/types.ts';
import { seededRandom } from '../util/random.ts';
import { testFleet } from './test-support.ts';

const strategies: [string, () => RoutingStrategy<EngineView>][] = [
  ['kv-aware', () => kvAware({ random: seededRandom(1) })],
  ['kv-aware (temperature 1)', () => kvAware({ random: seededRandom(1), temperature: 1 })],
  ['least-kv', () => leastKv(seededRandom(2))],
  ['prefix-hash', () => prefixHash({ random: seededRandom(3) })],
];

for (const [name, make] of strategies) {
  test(`${name}: picks among candidates, skips busy engines, reads without writing`, () => {
    const { fleet, views } = testFleet(5, { totalBlocks: 4000, busyKvUsage: 0.5 });
    const strategy = make();
    const req = (i: number): RouteRequest => {
      const body = { messages: [{ role: 'user', content: `request ${i % 7} `.repeat(100) }] };
      return {
        group: 'g',
        endpoint: 'chat',
        stream: true,
        body,
        bodyBytes: 0,
        prompt: fleet.analyze('g', 'chat', body),
      };
    };
    assert.equal(strategy.pick([], req(0)), undefined);
    const busy = fleet.engine('e3').reserve(fleet.analyze('g', 'completions', { prompt: 'b'.repeat(4 * 16 * 2100) }));
    assert.equal(fleet.engine('e3').isBusy(), true);
    const permits = [];
    const subset = views.slice(1); // e0 is not a candidate
    for (let i = 0; i < 60; i++) {
      const r = req(i);
      const before = subset.map((v) => ({ ...v.load.predicted }));
      const picked = strategy.pick(subset, r);
      assert.ok(picked !== undefined && subset.includes(picked), 'one of the candidates');
      assert.notEqual(picked.id, 'e3', 'never a busy engine');
      assert.deepEqual(
        subset.map((v) => ({ ...v.load.predicted })),
        before,
        'pick reads, never reserves',
      );
      permits.push(picked.load.reserve(r.prompt));
    }
    assert.equal(strategy.pick([views[3]], req(0)), undefined, 'only busy candidates: no pick');
    for (const p of permits) p.release();
    busy.release();
    fleet.assertDrained();
  });
}
