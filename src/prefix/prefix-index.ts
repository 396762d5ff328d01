/**
 * Which engine is believed to hold which prompt blocks: block hash → the engines that hold it, each with the
 * time it was last sent (or reported) there. The overlap of a prompt with an engine is the number of its
 * leading blocks the engine holds, fresh.
 *
 * Approximate mode (Dynamo's approximate indexer, SGLang's router): the router calls stored() with the chain
 * it dispatched to an engine, trusting that the engine now caches it; entries expire after `ttlMs` (the engine
 * evicts on its own, unseen). Exact mode can feed the same index from engine KV events through stored() and
 * removed(), provided the event hashes are computed the way the router computes its keys.
 *
 * Memory is bounded: at most `maxBlocks` hashes, evicted least recently touched first. A chain is touched
 * from its last block back to its first, so the leaves of a chain are evicted before its root (a chain
 * without its root is worth nothing, as overlap counts leading blocks only).
 */
import type { Clock } from '../util/clock.ts';

export interface PrefixIndexOptions {
  clock: Clock;
  /** Most hashes kept (each ~100 bytes with one holder). Default 262,144 (~16 M tokens of prompts). */
  maxBlocks?: number;
  /** How long a block is believed cached on an engine after it was last sent there. Default 120 s. */
  ttlMs?: number;
}

export class PrefixIndex {
  /** hash → [slot, touchedAt, slot, touchedAt, ...]; Map order is the LRU order (oldest first). */
  private readonly blocks = new Map<number, number[]>();
  private readonly slots = new Map<string, number>();
  /** Per slot: entries touched at or before this time are void (engine restarted or cleared). */
  private readonly clearedAt: number[] = [];
  private readonly clock: Clock;
  readonly maxBlocks: number;
  readonly ttlMs: number;

  constructor(opts: PrefixIndexOptions) {
    this.clock = opts.clock;
    this.maxBlocks = opts.maxBlocks ?? 262_144;
    this.ttlMs = opts.ttlMs ?? 120_000;
  }

  /** The small integer that stands for `engineId` in this index (registered on first use). */
  slot(engineId: string): number {
    let s = this.slots.get(engineId);
    if (s === undefined) {
      s = this.slots.size;
      this.slots.set(engineId, s);
      this.clearedAt.push(-Infinity);
    }
    return s;
  }

  get slotCount(): number {
    return this.slots.size;
  }

  get size(): number {
    return this.blocks.size;
  }

  /**
   * out[slot] = number of leading `hashes` held (fresh) by that engine. One map lookup per block until no
   * engine holds the next one: O(overlap), never O(engines × prompt).
   */
  overlaps(hashes: readonly number[], out: Int32Array): void {
    out.fill(0);
    const oldest = this.clock() - this.ttlMs;
    const n = out.length;
    for (let i = 0; i < hashes.length; i++) {
      const holders = this.blocks.get(hashes[i]);
      if (holders === undefined) return;
      let extended = 0;
      for (let j = 0; j < holders.length; j += 2) {
        const s = holders[j];
        const t = holders[j + 1];
        if (s < n && out[s] === i && t > oldest && t > this.clearedAt[s]) {
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
    const now = Math.max(this.clock(), (this.clearedAt[slot] ?? -Infinity) + 1e-6);
    for (let i = hashes.length - 1; i >= 0; i--) {
      const h = hashes[i];
      let holders = this.blocks.get(h);
      if (holders === undefined) {
        holders = [slot, now];
      } else {
        this.blocks.delete(h); // re-inserted below: moves to the most recently used end
        let j = 0;
        while (j < holders.length && holders[j] !== slot) j += 2;
        if (j < holders.length) holders[j + 1] = now;
        else holders.push(slot, now);
      }
      this.blocks.set(h, holders);
    }
    this.evict();
  }

  /** Records that the engine dropped these blocks (exact mode: an engine's eviction event). */
  removed(slot: number, hashes: readonly number[]): void {
    for (let i = 0; i < hashes.length; i++) {
      const holders = this.blocks.get(hashes[i]);
      if (holders === undefined) continue;
      for (let j = 0; j < holders.length; j += 2) {
        if (holders[j] !== slot) continue;
        holders.splice(j, 2);
        if (holders.length === 0) this.blocks.delete(hashes[i]);
        break;
      }
    }
  }

  /** Forgets everything the engine held (it restarted, or its cache was reset). O(1): entries die lazily. */
  cleared(slot: number): void {
    this.clearedAt[slot] = this.clock();
  }

  private evict(): void {
    if (this.blocks.size <= this.maxBlocks) return;
    const keys = this.blocks.keys();
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(keys.next().value!);
  }
}
