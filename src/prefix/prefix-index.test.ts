import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrefixIndex } from './prefix-index.ts';

function fixture(opts: { maxBlocks?: number; ttlMs?: number } = {}) {
  let now = 1000;
  const index = new PrefixIndex({ clock: () => now, ...opts });
  const a = index.slot('a');
  const b = index.slot('b');
  const c = index.slot('c');
  const overlaps = (hashes: number[]) => {
    const out = new Int32Array(index.slotCount);
    index.overlaps(hashes, out);
    return [...out];
  };
  return { index, a, b, c, overlaps, advance: (ms: number) => (now += ms) };
}

test('slots are stable small integers', () => {
  const { index, a, b, c } = fixture();
  assert.deepEqual([a, b, c], [0, 1, 2]);
  assert.equal(index.slot('b'), 1);
  assert.equal(index.slotCount, 3);
});

test('overlap is the number of leading blocks each engine holds', () => {
  const { index, a, b, overlaps } = fixture();
  index.stored(a, [1, 2, 3, 4]);
  index.stored(b, [1, 2, 9]);
  assert.deepEqual(overlaps([1, 2, 3, 4, 5]), [4, 2, 0]);
  assert.deepEqual(overlaps([1, 2, 9]), [2, 3, 0]);
  assert.deepEqual(overlaps([7, 1, 2]), [0, 0, 0]);
});

test('overlap counts only leading blocks: a hole ends it for that engine', () => {
  const { index, a, b, overlaps } = fixture();
  index.stored(a, [1, 2, 3]);
  index.stored(b, [1, 3]); // b holds 1 and 3 but not 2
  assert.deepEqual(overlaps([1, 2, 3]), [3, 1, 0]);
});

test('entries older than the TTL do not count; a new send refreshes them', () => {
  const { index, a, b, overlaps, advance } = fixture({ ttlMs: 100 });
  index.stored(a, [1, 2]);
  advance(60);
  index.stored(b, [1, 2]);
  advance(50); // a's entries are 110 ms old, b's 50 ms
  assert.deepEqual(overlaps([1, 2]), [0, 2, 0]);
  index.stored(a, [1]);
  assert.deepEqual(overlaps([1, 2]), [1, 2, 0]);
});

test('memory is bounded: least recently touched blocks go first, leaves before their root', () => {
  const { index, a, b, overlaps } = fixture({ maxBlocks: 4 });
  index.stored(a, [1, 2, 3]);
  index.stored(b, [10, 11]); // 5 hashes > 4: evicts a's leaf 3, not its root 1
  assert.equal(index.size, 4);
  assert.deepEqual(overlaps([1, 2, 3]), [2, 0, 0]);
  assert.deepEqual(overlaps([10, 11]), [0, 2, 0]);
  index.stored(b, [20, 21, 22]); // evicts a's 2 and 1, then b's leaf 11 (its root 10 stays)
  assert.equal(index.size, 4);
  assert.deepEqual(overlaps([1, 2]), [0, 0, 0]);
  assert.deepEqual(overlaps([10, 11]), [0, 1, 0]);
  assert.deepEqual(overlaps([20, 21, 22]), [0, 3, 0]);
});

test('removed() drops one engine from blocks (exact mode events); cleared() forgets an engine at once', () => {
  const { index, a, b, c, overlaps, advance } = fixture();
  index.stored(a, [1, 2, 3]);
  index.stored(b, [1, 2, 3]);
  index.removed(a, [2]);
  assert.deepEqual(overlaps([1, 2, 3]), [1, 3, 0]);
  index.removed(b, [1, 2, 3]);
  index.removed(c, [1]); // not held by c: nothing happens
  assert.deepEqual(overlaps([1, 2, 3]), [1, 0, 0]);
  index.removed(a, [1, 3]);
  assert.equal(index.size, 0);

  index.stored(a, [5, 6]);
  index.cleared(a);
  assert.deepEqual(overlaps([5, 6]), [0, 0, 0]);
  index.stored(a, [5]); // same millisecond as the clear, but after it
  assert.deepEqual(overlaps([5, 6]), [1, 0, 0]);
  advance(1);
  index.stored(a, [5, 6]);
  assert.deepEqual(overlaps([5, 6]), [2, 0, 0]);
});

test('an engine registered after the output array was sized is ignored, not written out of bounds', () => {
  const { index, a, overlaps } = fixture();
  const out = new Int32Array(1);
  const late = index.slot('late');
  index.stored(late, [1, 2]);
  index.stored(a, [1]);
  index.overlaps([1, 2], out);
  assert.deepEqual([...out], [1]);
  assert.deepEqual(overlaps([1, 2]), [1, 0, 0, 2]);
});
