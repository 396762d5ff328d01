import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFleet } from '../../load/test-support.ts';
import { seededRandom } from '../../util/random.ts';
import type { RouteRequest } from '../types.ts';
import { prefixHash } from './prefix-hash.ts';

type Fleet = ReturnType<typeof testFleet>['fleet'];

function request(fleet: Fleet, head: string, tail: string): RouteRequest {
  const body = {
    messages: [
      { role: 'system', content: head.repeat(40) },
      { role: 'user', content: tail },
    ],
  };
  return { group: 'g', endpoint: 'chat', stream: true, body, bodyBytes: 0, prompt: fleet.analyze('g', 'chat', body) };
}

test('the same prompt head always goes to the same engine; different heads spread over the fleet', () => {
  const { fleet, views } = testFleet(4);
  const strategy = prefixHash({ random: seededRandom(1) });
  const owners = new Map<string, string>();
  for (let h = 0; h < 40; h++) {
    const head = `tenant ${h} system prompt. `;
    const first = strategy.pick(views, request(fleet, head, 'a'))!.id;
    for (const tail of ['b', 'c', 'd']) assert.equal(strategy.pick(views, request(fleet, head, tail))!.id, first);
    owners.set(head, first);
  }
  assert.equal(new Set(owners.values()).size, 4);
});

test('an engine leaving moves only the heads it owned', () => {
  const { fleet, views } = testFleet(4);
  const strategy = prefixHash({ random: seededRandom(2) });
  const heads = Array.from({ length: 40 }, (_, h) => `head ${h}. `);
  const before = heads.map((h) => strategy.pick(views, request(fleet, h, 'x'))!.id);
  const without = views.filter((v) => v.id !== 'e2');
  heads.forEach((h, i) => {
    const after = strategy.pick(without, request(fleet, h, 'x'))!.id;
    if (before[i] !== 'e2') assert.equal(after, before[i]);
  });
});

test('bounded load: the owner is skipped once it carries more than (1 + slack) times its share', () => {
  const { fleet, views } = testFleet(4);
  const strategy = prefixHash({ random: seededRandom(3), slack: 0.25 });
  const req = request(fleet, 'hot tenant. ', 'q');
  const owner = strategy.pick(views, req)!.id;
  const permits = [];
  const picks = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const e = strategy.pick(views, req)!;
    picks.set(e.id, (picks.get(e.id) ?? 0) + 1);
    permits.push(e.load.reserve(req.prompt));
  }
  // 40 requests: the bound is ⌈1.25 · 10 + √10⌉ = 16 at most, so the owner takes the largest share, not all.
  assert.ok(picks.get(owner)! <= 16 && picks.get(owner)! >= 10, JSON.stringify([...picks]));
  assert.ok(picks.size > 1);
  for (const p of permits) p.release();
  fleet.assertDrained();
});

test('a prompt shorter than one block goes to the least loaded engine', () => {
  const { fleet, views } = testFleet(2);
  const strategy = prefixHash({ random: seededRandom(4) });
  const p = fleet.engine('e0').reserve();
  const short: RouteRequest = {
    group: 'g',
    endpoint: 'completions',
    stream: false,
    body: {},
    bodyBytes: 0,
    prompt: fleet.analyze('g', 'completions', { prompt: 'hi' }),
  };
  assert.equal(strategy.pick(views, short)?.id, 'e1');
  p.release();
});
