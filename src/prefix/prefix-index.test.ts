import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../util/random.ts';
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

test('many blocks, removals and growth: the table agrees with a plain reference model', () => {
  let now = 0;
  const index = new PrefixIndex({ clock: () => now, maxBlocks: 1 << 20, ttlMs: 1e9 });
  const random = seededRandom(42);
  const slots = [0, 1, 2, 3].map((i) => index.slot(`e${i}`)); // ≤ HOLDERS engines: nothing forgotten
  const reference = new Map<number, Set<number>>();
  const chains: number[][] = [];
  for (let c = 0; c < 400; c++) {
    // Chains share heads, so blocks gather several holders; some hashes collide on their low bits.
    const head =
      chains.length > 0 && random() < 0.5
        ? chains[Math.floor(random() * chains.length)].slice(0, 1 + Math.floor(random() * 5))
        : [];
    const chain = [...head];
    while (chain.length < head.length + 1 + Math.floor(random() * 30))
      chain.push(Math.floor(random() * 2 ** 40) * 4096 + (c % 7));
    chains.push(chain);
    const s = slots[Math.floor(random() * 4)];
    now++;
    index.stored(s, chain);
    for (const h of chain) (reference.get(h) ?? reference.set(h, new Set()).get(h)!).add(s);
    if (random() < 0.3) {
      const victim = chains[Math.floor(random() * chains.length)];
      const drop = victim.filter(() => random() < 0.5);
      const from = slots[Math.floor(random() * 4)];
      index.removed(from, drop);
      for (const h of drop) {
        reference.get(h)?.delete(from);
        if (reference.get(h)?.size === 0) reference.delete(h);
      }
    }
  }
  assert.equal(index.size, reference.size);
  const out = new Int32Array(4);
  for (const chain of chains) {
    index.overlaps(chain, out);
    for (const s of slots) {
      let expected = 0;
      while (expected < chain.length && reference.get(chain[expected])?.has(s)) expected++;
      assert.equal(out[s], expected);
    }
  }
});

test('under constant eviction the size stays bounded and the latest chain is always whole', () => {
  let now = 0;
  const index = new PrefixIndex({ clock: () => now, maxBlocks: 500 });
  const random = seededRandom(7);
  const hot = Array.from({ length: 20 }, (_, i) => 1e12 + i);
  const [a, b] = [index.slot('a'), index.slot('b')];
  const out = new Int32Array(2);
  for (let r = 0; r < 300; r++) {
    now++;
    const chain = Array.from({ length: 1 + Math.floor(random() * 60) }, () => Math.floor(random() * 2 ** 50) + 1);
    const s = r % 2 ? a : b;
    index.stored(s, chain);
    if (r % 5 === 0) index.stored(a, hot); // a hot prefix, touched often
    assert.ok(index.size <= 500);
    index.overlaps(chain, out);
    assert.equal(out[s], chain.length);
  }
  index.overlaps(hot, out);
  assert.equal(out[a], 20, 'a block touched again gets a second chance over untouched ones');
});

test('a block held by more engines than it has room for forgets the least recently stored one', () => {
  let now = 0;
  const index = new PrefixIndex({ clock: () => now });
  for (let i = 0; i < 5; i++) {
    now++;
    index.stored(index.slot(`e${i}`), [77]);
  }
  const out = new Int32Array(5);
  index.overlaps([77], out);
  assert.deepEqual([...out], [0, 1, 1, 1, 1]);
});

test("an engine's share is bounded by its capacity: the least recently sent blocks are forgotten first", () => {
  // ttl 256 s → buckets of 1 s.
  const { index, a, b, overlaps, advance } = fixture({ ttlMs: 256_000 });
  index.setCapacity(a, 6);
  index.stored(a, [1, 2, 3]); // prompt P
  advance(2000);
  index.stored(a, [4, 5, 6]); // prompt Q
  index.stored(b, [1, 2, 3]);
  assert.equal(index.heldBlocks(a), 6);
  assert.deepEqual(overlaps([1, 2, 3]), [3, 3, 0]);
  advance(2000);
  index.stored(a, [7, 8]); // 8 > 6: P's bucket is voided on a only
  assert.deepEqual(overlaps([1, 2, 3]), [0, 3, 0]);
  assert.deepEqual(overlaps([4, 5, 6]), [3, 0, 0]);
  assert.deepEqual(overlaps([7, 8]), [2, 0, 0]);
  assert.equal(index.heldBlocks(a), 5);
  assert.equal(index.heldBlocks(b), 3);
});

test('a block sent again moves to the newest bucket, so a hot prefix outlives colder ones', () => {
  const { index, a, overlaps, advance } = fixture({ ttlMs: 256_000 });
  index.setCapacity(a, 4);
  index.stored(a, [1, 2]); // hot
  advance(1000);
  index.stored(a, [3, 4]); // cold
  advance(1000);
  index.stored(a, [1, 2]); // hot again: re-counted in the newest bucket, not twice
  assert.equal(index.heldBlocks(a), 4);
  advance(1000);
  index.stored(a, [5]);
  assert.deepEqual(overlaps([1, 2]), [2, 0, 0]);
  assert.deepEqual(overlaps([3, 4]), [0, 0, 0]);
  assert.equal(index.heldBlocks(a), 3);
});

test('capacity never voids the store that exceeded it; blocks leave the count when they age out or are evicted', () => {
  const { index, a, b, overlaps, advance } = fixture({ ttlMs: 256_000, maxBlocks: 5 });
  index.setCapacity(a, 2);
  index.stored(a, [1, 2, 3]); // one store larger than the capacity: kept (its bucket is the current one)
  assert.deepEqual(overlaps([1, 2, 3]), [3, 0, 0]);
  index.stored(b, [10, 11, 12]); // 6 hashes > 5: the index evicts a's leaf 3 and uncounts it
  assert.equal(index.heldBlocks(a), 2);
  advance(300_000);
  index.stored(b, [20]); // b's earlier blocks are past the ttl: no longer counted
  assert.equal(index.heldBlocks(b), 1);
  index.cleared(b);
  assert.equal(index.heldBlocks(b), 0);
});

test('without a capacity the share is unbounded (only the ttl and maxBlocks apply)', () => {
  const { index, a, overlaps } = fixture();
  for (let i = 0; i < 50; i++) index.stored(a, [1000 + i]);
  assert.equal(index.heldBlocks(a), 50);
  assert.deepEqual(overlaps([1000]), [1, 0, 0]);
});
