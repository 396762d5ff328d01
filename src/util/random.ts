/** A source of uniform numbers in [0, 1). Injected so policies and simulations are reproducible. */
export type Random = () => number;

/**
 * mulberry32: a tiny, fast, seedable PRNG. Hand-written because it is eight lines and reproducibility
 * from a seed is what the simulator and bench need; Math.random cannot be seeded.
 */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
