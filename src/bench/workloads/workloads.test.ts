import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../util/random.ts';
import { createWorkload, WORKLOADS } from './index.ts';
import { SEED_SENTENCE } from './seed-locust.ts';

const ctx = (seed = 1, stream = false) => ({ model: 'm', stream, random: seededRandom(seed) });

test('every workload builds valid chat bodies, reproducibly from the seed', () => {
  for (const name of WORKLOADS.keys()) {
    const a = createWorkload(name, ctx(3, true));
    const b = createWorkload(name, ctx(3, true));
    for (let i = 0; i < 20; i++) {
      const body = a.next(undefined);
      assert.equal(body, b.next(undefined), name);
      const parsed = JSON.parse(body);
      assert.equal(parsed.model, 'm');
      assert.equal(parsed.stream, true);
      assert.deepEqual(parsed.stream_options, { include_usage: true });
      assert.ok(parsed.messages.at(-1).content.length > 0);
    }
  }
});

test('seed-locust: uuid + sentence, the pair 150 times, a different uuid each request', () => {
  const w = createWorkload('seed-locust', ctx());
  const first = JSON.parse(w.next(undefined));
  const second = JSON.parse(w.next(undefined));
  const content: string = first.messages[0].content;
  const uuid = content.slice(0, 36);
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(content, (uuid + SEED_SENTENCE).repeat(150));
  assert.equal(first.user, 'my-new-end-user-1');
  assert.notEqual(second.messages[0].content.slice(0, 36), uuid);
  assert.equal(first.max_tokens, undefined);
});

test('shared-prefix: users share K system prompts and each turn extends the previous one', () => {
  const w = createWorkload('shared-prefix:prefixes=2,users=4,systemWords=50,turns=3', ctx());
  const turns = [0, 1, 2].map(() => JSON.parse(w.next(1)).messages);
  assert.equal(turns[0].length, 2);
  assert.equal(turns[1].length, 4);
  assert.deepEqual(turns[1].slice(0, 2), turns[0]);
  assert.deepEqual(turns[2].slice(0, 4), turns[1]);
  assert.equal(JSON.parse(w.next(3)).messages[0].content, turns[0][0].content, 'users 1 and 3 share prefix 1');
  assert.notEqual(JSON.parse(w.next(0)).messages[0].content, turns[0][0].content);
  assert.equal(JSON.parse(w.next(1)).messages.length, 2, 'conversation restarts after 3 turns');
  assert.equal(w.prefixKey?.(), 1, 'user 1 starts with system prompt 1');
  w.next(2);
  assert.equal(w.prefixKey?.(), 0);
});

test('mixed draws long and short classes; bad specs name what exists', () => {
  const w = createWorkload('mixed', ctx(9));
  const lengths = Array.from(
    { length: 400 },
    () => JSON.parse(w.next(undefined)).messages[0].content.split(' ').length,
  );
  assert.ok(lengths.some((n) => n >= 1000) && lengths.some((n) => n <= 200));
  assert.throws(
    () => createWorkload('nope', ctx()),
    /known: seed-locust, chat-short, shared-prefix, mixed, uniform, long-output, rag/,
  );
  assert.throws(() => createWorkload('shared-prefix:foo=1', ctx()), /no knob "foo"; knobs: prefixes/);
  assert.throws(() => createWorkload('shared-prefix:users=x', ctx()), /users must be a number/);
  assert.equal(JSON.parse(createWorkload('chat-short', { ...ctx(), maxTokens: 5 }).next(undefined)).max_tokens, 5);
});

test('uniform: prompt words and max_tokens stay inside the knobs; presets are the same shape', () => {
  const w = createWorkload('uniform:promptMin=5,promptMax=9,outMin=3,outMax=4', ctx(4));
  for (let i = 0; i < 200; i++) {
    const body = JSON.parse(w.next(undefined));
    const n = body.messages[0].content.split(' ').length;
    assert.ok(n >= 5 && n <= 9, `prompt ${n} words`);
    assert.ok(body.max_tokens === 3 || body.max_tokens === 4);
  }
  const rag = JSON.parse(createWorkload('rag', ctx(5)).next(undefined));
  assert.ok(rag.messages[0].content.split(' ').length >= 1500);
  assert.ok(JSON.parse(createWorkload('long-output', ctx(5)).next(undefined)).max_tokens >= 256);
  assert.throws(() => createWorkload('uniform:promptMin=10,promptMax=2', ctx()), /promptMin <= promptMax/);
});
