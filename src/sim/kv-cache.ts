/**
 * The KV block pool with prefix caching, as vLLM V1 manages it.
 *
 * `numBlocks` blocks of `blockSize` tokens. A block is in use while some sequence references it (refCount > 0).
 * Free blocks sit in one LRU queue whether or not they still hold a cached prefix: a finished sequence's blocks
 * go to the tail (its last block first, so a prefix's tail is evicted before its head), allocation takes the
 * head and forgets whatever hash it held, and a prefix hit on a free cached block takes it out of the queue
 * ("touch"). The queue is a doubly linked list over typed arrays so a touch is O(1) — hand-written because it is
 * the simulator's own data structure, with no allocation per operation.
 */

const NONE = -1;

export class KvCache {
  readonly numBlocks: number;
  readonly blockSize: number;
  private readonly refCount: Int32Array;
  private readonly hashOf: Float64Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = NONE;
  private tail = NONE;
  private free = 0;
  private readonly byHash = new Map<number, number>();

  constructor(numBlocks: number, blockSize: number) {
    if (!(Number.isInteger(numBlocks) && numBlocks > 0)) throw new Error('numBlocks must be a positive integer');
    if (!(Number.isInteger(blockSize) && blockSize > 0)) throw new Error('blockSize must be a positive integer');
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.refCount = new Int32Array(numBlocks);
    this.hashOf = new Float64Array(numBlocks).fill(NONE);
    this.prev = new Int32Array(numBlocks);
    this.next = new Int32Array(numBlocks);
    for (let b = 0; b < numBlocks; b++) this.pushTail(b);
  }

  /** Blocks referenced by at least one sequence. */
  get usedBlocks(): number {
    return this.numBlocks - this.free;
  }

  /** Blocks that an allocation may take (unreferenced, cached or not). */
  get freeBlocks(): number {
    return this.free;
  }

  /** Distinct prefix blocks currently findable (in use or free but not yet evicted). */
  get cachedBlocks(): number {
    return this.byHash.size;
  }

  /**
   * Appends to `out` the blocks holding the longest cached prefix of `hashes` (at most `maxBlocks`), and returns
   * how many of them are free (they leave the free queue when touched).
   */
  findPrefix(hashes: readonly number[], maxBlocks: number, out: number[]): number {
    let freeHits = 0;
    const n = Math.min(hashes.length, maxBlocks);
    for (let i = 0; i < n; i++) {
      const b = this.byHash.get(hashes[i]);
      if (b === undefined) break;
      out.push(b);
      if (this.refCount[b] === 0) freeHits++;
    }
    return freeHits;
  }

  /** Takes a reference on a block found by findPrefix. */
  touch(block: number): void {
    if (this.refCount[block]++ === 0) this.unlink(block);
  }

  /** Takes the least recently freed block, forgetting the prefix it held. Caller checks freeBlocks first. */
  allocate(): number {
    const b = this.head;
    if (b === NONE) throw new Error('KV cache exhausted: allocate() without a free block');
    this.unlink(b);
    const h = this.hashOf[b];
    if (h !== NONE) {
      if (this.byHash.get(h) === b) this.byHash.delete(h);
      this.hashOf[b] = NONE;
    }
    this.refCount[b] = 1;
    return b;
  }

  /** Drops one reference on each block, last block first; unreferenced blocks join the LRU tail. */
  release(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i];
      const r = --this.refCount[b];
      if (r === 0) this.pushTail(b);
      else if (r < 0) throw new Error(`KV block ${b} released twice`);
    }
  }

  /**
   * Records that a full block now holds the prefix `hash`, so later prompts can reuse it. If another block
   * already holds that prefix (two sequences computed it at once), this one stays anonymous.
   */
  commit(block: number, hash: number): void {
    if (this.hashOf[block] !== NONE || this.byHash.has(hash)) return;
    this.hashOf[block] = hash;
    this.byHash.set(hash, block);
  }

  refs(block: number): number {
    return this.refCount[block];
  }

  private pushTail(b: number): void {
    this.prev[b] = this.tail;
    this.next[b] = NONE;
    if (this.tail === NONE) this.head = b;
    else this.next[this.tail] = b;
    this.tail = b;
    this.free++;
  }

  private unlink(b: number): void {
    const p = this.prev[b];
    const n = this.next[b];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
    this.free--;
  }
}
