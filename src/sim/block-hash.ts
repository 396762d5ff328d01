/**
 * Chained hashes of the full blocks of a token sequence: the hash of block i covers the tokens of blocks 0..i,
 * so two prompts share block i's hash exactly when they share their first (i+1)·blockSize tokens. This is
 * vLLM's prefix-caching key (there: a hash of the parent hash and the block's tokens).
 *
 * Hand-written because it is the simulator's own KV identity: two 32-bit murmur-style lanes run over every
 * token (the chain), and each block's key is both lanes, finalised, packed into a 53-bit integer so it can key
 * a Map without allocating strings. Collisions: ~n²/2^54 for n distinct blocks — none in practice.
 */
import { fmix32 } from '../util/hash.ts';

export function blockHashes(tokens: ArrayLike<number>, blockSize: number): number[] {
  const full = Math.floor(tokens.length / blockSize);
  const out = new Array<number>(full);
  let a = 0x9747b28c;
  let b = 0x2545f491;
  let i = 0;
  for (let blk = 0; blk < full; blk++) {
    const end = i + blockSize;
    for (; i < end; i++) {
      const t = tokens[i];
      a = Math.imul(a ^ t, 0xcc9e2d51);
      a = (a << 15) | (a >>> 17);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      b = Math.imul(b ^ t, 0x1b873593);
      b = (b << 13) | (b >>> 19);
      b = (Math.imul(b, 5) + 0x561ccd1b) | 0;
    }
    out[blk] = fmix32(a ^ end) * 0x200000 + (fmix32(b ^ end) >>> 11);
  }
  return out;
}
