import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tooDeepAt } from './json-depth.ts';

const nest = (depth: number, leaf: string) => JSON.parse('['.repeat(depth) + leaf + ']'.repeat(depth)) as unknown;

it('counts containers (the body is depth 1) and names the first one past the limit, in document order', () => {
  assert.equal(tooDeepAt({}, 1), undefined);
  assert.equal(tooDeepAt('scalar', 1), undefined);
  assert.equal(tooDeepAt({ a: [] }, 1), 'a');
  assert.equal(tooDeepAt({ a: [] }, 2), undefined);
  const chat = {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text' }, 'x', 1, { type: 'image_url', image_url: { url: 'u' } }] }],
  };
  assert.equal(tooDeepAt(chat, 5), 'messages[0].content[3].image_url');
  assert.equal(tooDeepAt(chat, 4), 'messages[0].content[0]');
  assert.equal(tooDeepAt(chat, 6), undefined);
  assert.equal(tooDeepAt({ 'odd key': { '': [[]] } }, 3), '["odd key"][""][0]');
});

it('walks any depth without recursion and stops at the limit', () => {
  const deep = nest(1_000_000, '1');
  assert.equal(tooDeepAt({ x: deep }, 128), `x${'[0]'.repeat(127)}`);
  assert.equal(tooDeepAt(deep, 2_000_000), undefined);
});

it('wide bodies are walked whole', () => {
  const wide = { items: Array.from({ length: 100_000 }, (_, i) => ({ i, tags: [i] })) };
  assert.equal(tooDeepAt(wide, 4), undefined);
  assert.equal(tooDeepAt(wide, 3), 'items[0].tags');
});
