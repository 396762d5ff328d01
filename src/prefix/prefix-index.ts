/**
 * Which engine is believed to hold which prompt blocks: block hash → up to HOLDERS engines, each with the
 * time it was last sent (or reported) there. The overlap of a prompt with an engine is the number of its
 * leading blocks the engine holds, fresh.
 *
 * Approximate only (as Dynamo's approximate indexer and SGLang's router): the router calls stored() with the
 * chain it dispatched to an engine, trusting that the engine now caches it; entries expire after `ttlMs` (the
 * engine evicts on its own, unseen). Engine KV events cannot feed this index: its keys hash 256-byte blocks of
 * the rendered prompt text (prompt-bytes.ts), while an engine's events name blocks of `block_size` token ids
 * hashed with the engine's own function, so no event hash can ever equal a key here. Using them would take an
 * index keyed by token blocks (the engine's tokenizer, chat template, block size and hash). removed() and
 * cleared() are exercised by the tests only; nothing in the gateway calls them.
 *
 * Each engine's share is bounded by its cache (setCapacity, in blocks of this index): the index never believes
 * an engine holds more distinct blocks than its KV pool can, and forgets its least recently sent blocks first
 * (./engine-holdings.ts). Without this, an engine sent more prompts than it can cache keeps being credited with
 * all of them for the whole ttl (measured: the gateway believed 85-91 % hits where the engines served 58-71 %).
 *
 * Memory is bounded: at most `maxBlocks` hashes, evicted in CLOCK order (insertion order with a second
 * chance for blocks touched since; close to LRU at O(1)). A chain is inserted from its last block back to its
 * first, so the leaves of a chain go before its root (a chain without its root is worth nothing: overlap
 * counts leading blocks only). A block remembers its HOLDERS most recent engines.
 *
 * Hand-written as an open-addressing table in one Float64Array because a Map of this size was measured at
 * 90-450 µs per 200-block store (a boxed key and an array per entry, GC, and iteration over delete holes for
 * eviction); this one allocates nothing per request, keeps an entry and its holders within two cache lines, and
 * grows by doubling up to 2 × maxBlocks cells. What remains is memory latency: ~0.1-0.3 µs per block probed
 * in a large table, hence blocks of 256 bytes rather than 64 (prompt-bytes.ts).
 */
import type { Clock } from '../util/clock.ts';
import { EngineHoldings } from './engine-holdings.ts';
import { KeyRing } from './key-ring.ts';

export interface PrefixIndexOptions {
  clock: Clock;
  /**
   * Most hashes kept (~200 bytes each with the table's slack). Default 65,536: ~4 M tokens of 256-byte blocks,
   * the KV cache of ~40 engines of 100 k tokens.
   */
  maxBlocks?: number;
  /** How long a block is believed cached on an engine after it was last sent there. Default 120 s. */
  ttlMs?: number;
}

const HOLDERS = 4;
const KEY = 0;
const TOUCHED = 1;
const RING_SEQ = 2;
const HOLDER = 3;
const HOLDER_END = HOLDER + 2 * HOLDERS;
const STRIDE = 12; // HOLDER_END padded to 96 bytes
const INITIAL_CAPACITY = 1024;

export class PrefixIndex {
  private readonly slots = new Map<string, number>();
  private readonly holdings: EngineHoldings;
  private readonly clock: Clock;
  readonly maxBlocks: number;
  readonly ttlMs: number;
  // The table: one entry per STRIDE doubles, so a probe and its holders share a cache line or two:
  //   [key, touched seq, ring seq, (engine slot + 1, stored at) × HOLDERS]; key 0 marks an empty cell
  //   (a real hash of 0 is stored as 1), engine 0 an empty holder.
  private cap = 0;
  private mask = 0;
  private count = 0;
  private t = new Float64Array(0);
  private readonly ring = new KeyRing();
  private seq = 0;

  constructor(opts: PrefixIndexOptions) {
    this.clock = opts.clock;
    this.maxBlocks = opts.maxBlocks ?? 65_536;
    this.ttlMs = opts.ttlMs ?? 120_000;
    this.holdings = new EngineHoldings(this.ttlMs);
    this.allocate(INITIAL_CAPACITY);
  }

  /** The small integer that stands for `engineId` in this index (registered on first use). */
  slot(engineId: string): number {
    let s = this.slots.get(engineId);
    if (s === undefined) {
      s = this.slots.size;
      this.slots.set(engineId, s);
      this.holdings.add();
    }
    return s;
  }

  /**
   * The most blocks (of this index) the engine can hold: its KV pool in tokens × bytes per token / block bytes.
   * Enforced at its next store.
   */
  setCapacity(slot: number, blocks: number): void {
    this.holdings.setCapacity(slot, blocks);
  }

  /** Blocks the index believes the engine holds (not void, not past the ttl), as of its last store. */
  heldBlocks(slot: number): number {
    return this.holdings.total(slot);
  }

  get slotCount(): number {
    return this.slots.size;
  }

  get size(): number {
    return this.count;
  }

  /**
   * out[slot] = number of leading `hashes` held (fresh) by that engine. One probe per block until no engine
   * holds the next one: O(overlap), never O(engines × prompt).
   */
  overlaps(hashes: readonly number[], out: Int32Array): void {
    out.fill(0);
    const oldest = this.clock() - this.ttlMs;
    const clearedAt = this.holdings.clearedAt;
    const n = out.length;
    for (let i = 0; i < hashes.length; i++) {
      const e = this.find(hashes[i]);
      if (e < 0) return;
      let extended = 0;
      for (let h = e + HOLDER, end = e + HOLDER_END; h < end; h += 2) {
        const s = this.t[h] - 1;
        const at = this.t[h + 1];
        if (s >= 0 && s < n && out[s] === i && at > oldest && at > clearedAt[s]) {
          out[s] = i + 1;
          extended++;
        }
      }
      if (extended === 0) return;
    }
  }

  /** Records that the engine holds (or was just sent) these blocks. */
  stored(slot: number, hashes: readonly number[]): void {
    // A store in the same millisecond as a clear must survive it: it happened after.
    const now = Math.max(this.clock(), (this.holdings.clearedAt[slot] ?? -Infinity) + 1e-6);
    for (let i = hashes.length - 1; i >= 0; i--) {
      let e = this.find(hashes[i]);
      if (e < 0) e = this.insert(hashes[i]);
      else this.t[e + TOUCHED] = ++this.seq;
      this.setHolder(e, slot + 1, now);
    }
    while (this.count > this.maxBlocks) this.popRing();
    this.holdings.enforce(slot, now);
  }

  /** Records that the engine dropped these blocks (keys of this index, not an engine's event hashes). */
  removed(slot: number, hashes: readonly number[]): void {
    for (let i = 0; i < hashes.length; i++) {
      const e = this.find(hashes[i]);
      if (e < 0) continue;
      let left = 0;
      for (let h = e + HOLDER, end = e + HOLDER_END; h < end; h += 2) {
        if (this.t[h] === slot + 1) {
          this.holdings.uncount(slot, this.t[h + 1]);
          this.t[h] = 0;
        } else if (this.t[h] !== 0) left++;
      }
      if (left === 0) this.delete(e);
    }
  }

  /** Forgets everything the engine held (it restarted, or its cache was reset). O(1): entries die lazily. */
  cleared(slot: number): void {
    this.holdings.clear(slot, this.clock());
  }

  private setHolder(e: number, tag: number, now: number): void {
    const t = this.t;
    let free = -1;
    let oldest = e + HOLDER;
    for (let h = e + HOLDER, end = e + HOLDER_END; h < end; h += 2) {
      if (t[h] === tag) {
        this.holdings.uncount(tag - 1, t[h + 1]);
        this.holdings.count(tag - 1, now);
        t[h + 1] = now;
        return;
      }
      if (t[h] === 0) free = free < 0 ? h : free;
      else if (t[h + 1] < t[oldest + 1]) oldest = h;
    }
    const h = free >= 0 ? free : oldest; // full: the least recently stored engine is forgotten
    if (t[h] !== 0) this.holdings.uncount(t[h] - 1, t[h + 1]);
    t[h] = tag;
    t[h + 1] = now;
    this.holdings.count(tag - 1, now);
  }

  /** Index of the cell a key's probe starts at: the low bits of a hash are as random as any. */
  private home(key: number): number {
    return ((key >>> 0) & this.mask) * STRIDE;
  }

  private next(e: number): number {
    e += STRIDE;
    return e === this.cap * STRIDE ? 0 : e;
  }

  /** The entry's offset in the table, or -1. */
  private find(hash: number): number {
    const key = hash === 0 ? 1 : hash;
    const t = this.t;
    for (let e = this.home(key); ; e = this.next(e)) {
      const k = t[e];
      if (k === key) return e;
      if (k === 0) return -1;
    }
  }

  private insert(hash: number): number {
    if ((this.count + 1) * 2 > this.cap) this.allocate(this.cap * 2);
    const key = hash === 0 ? 1 : hash;
    const s = ++this.seq;
    // First, as making room in the ring may delete entries, and a deletion moves others.
    this.pushRing(key, s);
    let e = this.home(key);
    while (this.t[e] !== 0) e = this.next(e);
    const t = this.t;
    t.fill(0, e, e + STRIDE);
    t[e + KEY] = key;
    t[e + TOUCHED] = s;
    t[e + RING_SEQ] = s;
    this.count++;
    return e;
  }

  /** Backward-shift deletion: no tombstones, so probes stay short. */
  private delete(e: number): void {
    const t = this.t;
    for (let h = e + HOLDER, end = e + HOLDER_END; h < end; h += 2)
      if (t[h] !== 0) this.holdings.uncount(t[h] - 1, t[h + 1]);
    let hole = e;
    for (let j = this.next(e); t[j] !== 0; j = this.next(j)) {
      const home = this.home(t[j]);
      // j may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      t.copyWithin(hole, j, j + STRIDE);
      hole = j;
    }
    t[hole] = 0;
    this.count--;
  }

  private pushRing(key: number, s: number): void {
    while (this.ring.full) this.popRing();
    this.ring.push(key, s);
  }

  /** The oldest ring record: stale (entry gone or re-pushed) → dropped; touched since → second chance; else evicted. */
  private popRing(): void {
    this.ring.shift();
    const key = this.ring.key;
    const s = this.ring.seq;
    const e = this.find(key);
    if (e < 0 || this.t[e + RING_SEQ] !== s) return;
    if (this.t[e + TOUCHED] > s) {
      const again = ++this.seq;
      this.t[e + RING_SEQ] = again;
      this.t[e + TOUCHED] = again;
      this.pushRing(key, again);
    } else {
      this.delete(e);
    }
  }

  private allocate(cap: number): void {
    const old = this.t;
    const oldCap = this.cap;
    this.cap = cap;
    this.mask = cap - 1;
    this.t = new Float64Array(cap * STRIDE);
    for (let from = 0; from < oldCap * STRIDE; from += STRIDE) {
      const key = old[from];
      if (key === 0) continue;
      let e = this.home(key);
      while (this.t[e] !== 0) e = this.next(e);
      this.t.set(old.subarray(from, from + STRIDE), e);
    }
    // The ring has room for one record per table cell.
    this.ring.resize(cap);
  }
}
