/**
 * A request's block table over the KV pool (./kv-cache.ts), kept apart from the scheduler as vLLM keeps its KV
 * cache manager: the scheduler decides who runs and how many tokens; these only move blocks.
 */
import type { KvCache } from './kv-cache.ts';
import type { Sequence } from './sequence.ts';

/**
 * Starts `seq` on its cached prefix plus up to `budget` new tokens. Returns the new tokens to schedule, or 0
 * when the pool lacks the blocks (nothing taken). A full hit still recomputes the last prompt token, to sample
 * from it. `hits` is scratch space.
 */
export function startWithPrefix(kv: KvCache, seq: Sequence, budget: number, hits: number[]): number {
  const blockSize = kv.blockSize;
  hits.length = 0;
  const freeHits = kv.findPrefix(seq.blockHashes, Math.floor((seq.numTokens - 1) / blockSize), hits);
  const cached = hits.length * blockSize;
  const n = Math.min(seq.numTokens - cached, budget);
  const need = Math.ceil((cached + n) / blockSize) - hits.length;
  if (need > kv.freeBlocks - freeHits) return 0;
  for (const b of hits) {
    kv.touch(b);
    seq.blocks.push(b);
  }
  for (let k = 0; k < need; k++) seq.blocks.push(kv.allocate());
  seq.committedBlocks = hits.length;
  seq.numComputed = cached;
  return n;
}

/** Makes room in seq's block table for n more tokens; false when the pool lacks blocks. */
export function growBlocks(kv: KvCache, seq: Sequence, n: number): boolean {
  const need = Math.ceil((seq.numComputed + n) / kv.blockSize) - seq.blocks.length;
  if (need <= 0) return true;
  if (need > kv.freeBlocks) return false;
  for (let k = 0; k < need; k++) seq.blocks.push(kv.allocate());
  return true;
}

/** Registers the prompt's newly completed full blocks in the prefix cache. */
export function commitPromptBlocks(kv: KvCache, seq: Sequence): void {
  const full = Math.min(Math.floor(seq.numComputed / kv.blockSize), seq.blockHashes.length);
  for (let b = seq.committedBlocks; b < full; b++) kv.commit(seq.blocks[b], seq.blockHashes[b]);
  if (full > seq.committedBlocks) seq.committedBlocks = full;
}

/** Gives all of seq's blocks back to the pool (cached ones stay findable until reused). */
export function freeBlocks(kv: KvCache, seq: Sequence): void {
  kv.release(seq.blocks);
  seq.blocks.length = 0;
}
