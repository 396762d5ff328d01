import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockHashes } from './block-hash.ts';

test('only full blocks are hashed', () => {
  assert.equal(blockHashes([1, 2, 3, 4, 5, 6, 7], 4).length, 1);
  assert.equal(blockHashes([1, 2, 3], 4).length, 0);
});

test('a shared prefix gives the same leading hashes, and a difference changes every later one', () => {
  const a = blockHashes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 4);
  const b = blockHashes([1, 2, 3, 4, 5, 6, 7, 99, 9, 10, 11, 12], 4);
  assert.equal(a[0], b[0]);
  assert.notEqual(a[1], b[1]);
  assert.notEqual(a[2], b[2], 'block 2 is equal in both but its chain differs');
});

test('the same block content at another position hashes differently', () => {
  const h = blockHashes([7, 7, 7, 7, 7, 7, 7, 7], 4);
  assert.notEqual(h[0], h[1]);
});

test('hashes are safe integers and do not collide over many blocks', () => {
  const tokens = Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) % 200_000);
  const h = blockHashes(tokens, 16);
  assert.ok(h.every(Number.isSafeInteger));
  assert.equal(new Set(h).size, h.length);
});
