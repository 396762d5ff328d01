/**
 * How many blocks of the prefix index each engine is believed to hold, bounded by its cache (./prefix-index.ts
 * says why). Per engine, the blocks are counted in BUCKETS time buckets of width ttl / BUCKETS by when each was
 * last sent there; while the count exceeds the capacity, the oldest bucket is voided by moving the engine's
 * clearedAt past it (O(1): the index's entries older than clearedAt die lazily), as the engine's own LRU evicts
 * what was used least recently.
 */

/**
 * Time buckets per engine over the ttl: eviction by capacity drops at least 1/256 of the ttl's history at a time
 * (0.47 s at 120 s), finer than a cache of thousands of blocks turns over, and 1 KB per engine.
 */
const BUCKETS = 256;

/** A bucket number's cell in the ring (bucket numbers may be negative for clocks near 0). */
function bucketAt(k: number): number {
  return ((k % BUCKETS) + BUCKETS) % BUCKETS;
}

/** Per engine: blocks it holds by time bucket of their last store, for the capacity bound. */
interface Held {
  capacity: number;
  buckets: Int32Array;
  /** Σ buckets: blocks held, not void and not older than the ttl. */
  total: number;
  /** The newest bucket index seen (time / width); buckets up to BUCKETS before it are live. */
  last: number;
}

export class EngineHoldings {
  /** Per slot: entries touched at or before this time are void (engine restarted, cleared or over capacity). */
  readonly clearedAt: number[] = [];
  private readonly held: Held[] = [];
  private readonly width: number;

  constructor(ttlMs: number) {
    this.width = ttlMs / BUCKETS;
  }

  /** Starts counting for the next slot: no capacity bound, nothing held. */
  add(): void {
    this.clearedAt.push(-Infinity);
    this.held.push({ capacity: Infinity, buckets: new Int32Array(BUCKETS), total: 0, last: -Infinity });
  }

  setCapacity(slot: number, blocks: number): void {
    this.held[slot].capacity = blocks > 0 ? blocks : Infinity;
  }

  /** Blocks the engine is believed to hold (not void, not past the ttl), as of its last store. */
  total(slot: number): number {
    return this.held[slot]?.total ?? 0;
  }

  /** Voids everything the engine held as of `now`. */
  clear(slot: number, now: number): void {
    this.clearedAt[slot] = now;
    const held = this.held[slot];
    held.buckets.fill(0);
    held.total = 0;
  }

  /** Counts a block stored on the engine at `at`. */
  count(slot: number, at: number): void {
    const held = this.held[slot];
    this.roll(held, at);
    held.buckets[bucketAt(this.bucketOf(at))]++;
    held.total++;
  }

  /** Uncounts a block last stored at `at`, unless its bucket was voided or rolled out since. */
  uncount(slot: number, at: number): void {
    const held = this.held[slot];
    const b = this.bucketOf(at);
    if (at <= this.clearedAt[slot] || b <= held.last - BUCKETS) return;
    const i = bucketAt(b);
    if (held.buckets[i] > 0) {
      held.buckets[i]--;
      held.total--;
    }
  }

  /** While the engine holds more than its capacity, voids its oldest bucket (never the current one). */
  enforce(slot: number, now: number): void {
    const held = this.held[slot];
    if (held.total <= held.capacity) return;
    this.roll(held, now);
    let k = Math.max(held.last - BUCKETS + 1, this.bucketOf(this.clearedAt[slot]));
    for (; held.total > held.capacity && k < held.last; k++) {
      const i = bucketAt(k);
      if (held.buckets[i] === 0) continue;
      held.total -= held.buckets[i];
      held.buckets[i] = 0;
      this.clearedAt[slot] = (k + 1) * this.width;
    }
  }

  /** Bucket k holds the times in (k·width, (k+1)·width], so voiding it is clearedAt = (k+1)·width exactly. */
  private bucketOf(at: number): number {
    return Math.ceil(at / this.width) - 1;
  }

  /** Advances the engine's newest bucket to `at`'s, dropping the buckets that fall past the ttl. */
  private roll(held: Held, at: number): void {
    const b = this.bucketOf(at);
    if (b <= held.last) return;
    for (let k = Math.max(held.last + 1, b - BUCKETS + 1); k <= b; k++) {
      const i = bucketAt(k);
      held.total -= held.buckets[i];
      held.buckets[i] = 0;
    }
    held.last = b;
  }
}
