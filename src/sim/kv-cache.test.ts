import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KvCache } from './kv-cache.ts';

test('allocation takes free blocks; release returns them', () => {
  const kv = new KvCache(4, 16);
  const a = kv.allocate();
  const b = kv.allocate();
  assert.equal(kv.usedBlocks, 2);
  kv.release([a, b]);
  assert.equal(kv.usedBlocks, 0);
  assert.equal(kv.freeBlocks, 4);
});

test('a committed block stays findable after release until it is evicted, least recently freed first', () => {
  const kv = new KvCache(3, 16);
  const x = kv.allocate();
  const y = kv.allocate();
  kv.commit(x, 100);
  kv.commit(y, 200);
  kv.release([x, y]); // y (the tail) is queued before x
  const found: number[] = [];
  assert.equal(kv.findPrefix([100, 200], 10, found), 2, 'both hits are free blocks');
  assert.deepEqual(found, [x, y]);
  // The never-used block goes first, then y, then x.
  kv.allocate();
  kv.allocate();
  found.length = 0;
  kv.findPrefix([100], 10, found);
  assert.deepEqual(found, [x], 'x survives: its hash was freed last');
  found.length = 0;
  kv.findPrefix([100, 200], 10, found);
  assert.deepEqual(found, [x], 'y was evicted, so the prefix stops after x');
});

test('touching a free cached block takes it out of the free queue; a double release throws', () => {
  const kv = new KvCache(2, 16);
  const x = kv.allocate();
  kv.commit(x, 1);
  kv.release([x]);
  kv.touch(x);
  assert.equal(kv.usedBlocks, 1);
  assert.equal(kv.refs(x), 1);
  kv.touch(x);
  assert.equal(kv.refs(x), 2);
  kv.release([x]);
  kv.release([x]);
  assert.throws(() => kv.release([x]), /released twice/);
});

test('a second block computing the same prefix stays anonymous', () => {
  const kv = new KvCache(2, 16);
  const x = kv.allocate();
  const y = kv.allocate();
  kv.commit(x, 7);
  kv.commit(y, 7);
  assert.equal(kv.cachedBlocks, 1);
});

test('allocate without a free block is a bug and throws', () => {
  const kv = new KvCache(1, 16);
  kv.allocate();
  assert.throws(() => kv.allocate(), /exhausted/);
});
