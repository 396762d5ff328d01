/**
 * Output length of a request that gave no max_tokens: a seeded log-normal, median 128 tokens, σ = 0.8
 * (most answers 50-400 tokens, a long tail), capped at 2048 and at what the context leaves. Chat answers are
 * roughly log-normal in length; the exact shape matters less than being reproducible from --seed.
 */
import type { Random } from '../util/random.ts';

const MEDIAN = 128;
const SIGMA = 0.8;
const CAP = 2048;

export function sampleOutputTokens(random: Random, room: number): number {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const n = Math.round(MEDIAN * Math.exp(SIGMA * z));
  return Math.max(1, Math.min(n, CAP, room));
}
