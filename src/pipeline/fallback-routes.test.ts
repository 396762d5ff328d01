import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelGroup } from '../routing/group.ts';
import { FallbackRoutes } from './fallback-routes.ts';

const groups = { current: new Map(['a', 'b', 'c', 'd'].map((name) => [name, { name } as ModelGroup])) };
const routes = (maxFallbacks: number, spill = new Map<string, readonly [boolean, boolean, boolean]>()) =>
  new FallbackRoutes(
    {
      general: new Map([
        ['a', ['b', 'd']],
        ['b', ['c']],
      ]),
      contextWindow: new Map([['a', ['c']]]),
      maxFallbacks,
    },
    spill,
    groups,
  );

test("the next group walks the path back from its latest group, as LiteLLM's recursion does", () => {
  const r = routes(5);
  assert.equal(r.next(['a'], 'general')?.name, 'b');
  assert.equal(r.next(['a', 'b'], 'general')?.name, 'c');
  assert.equal(r.next(['a', 'b', 'c'], 'general')?.name, 'd');
  assert.equal(r.next(['a', 'b', 'c', 'd'], 'general'), undefined);
  assert.equal(r.next(['a'], 'context_window')?.name, 'c');
  // No content-policy chains configured: the general ones.
  assert.equal(r.next(['a'], 'content_policy')?.name, 'b');
});

test('max_fallbacks bounds the hops: the path holds the first group and one per hop', () => {
  assert.equal(routes(2).next(['a', 'b'], 'general')?.name, 'c');
  assert.equal(routes(2).next(['a', 'b', 'c'], 'general'), undefined);
  assert.equal(routes(0).next(['a'], 'general'), undefined);
});

test('a group spills the classes its setting lists, and only with a general chain', () => {
  const r = routes(
    5,
    new Map([
      ['a', [false, true, true] as const],
      ['c', [true, true, true] as const],
    ]),
  );
  assert.deepEqual([r.spills('a', 0), r.spills('a', 1), r.spills('a', 2)], [false, true, true]);
  assert.equal(r.spills('c', 1), false, 'c has no fallback');
  assert.equal(r.judgesClientErrors('a'), true);
  assert.equal(r.judgesClientErrors('c'), false);
});

test('a group a reload removed is passed over; the chain goes on to the next', () => {
  const r = routes(5);
  const before = groups.current;
  groups.current = new Map([...before].filter(([name]) => name !== 'b'));
  try {
    assert.equal(r.next(['a'], 'general')?.name, 'd');
  } finally {
    groups.current = before;
  }
});
