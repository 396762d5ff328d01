/**
 * weighted-random: candidate i with probability
 *   P(i) = total(i) / Σ total
 * one draw, walking the cumulative totals; a single candidate is taken without a draw.
 */
import type { Random } from '../../util/random.ts';
import type { Picker } from '../profile/types.ts';

export const weightedRandom: Picker = {
  name: 'weighted-random',
  pick<D>(candidates: readonly D[], totals: Float64Array, _tieBreak: unknown, random: Random): D | undefined {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    let sum = 0;
    for (let i = 0; i < n; i++) sum += totals[i];
    let r = random() * sum;
    for (let i = 0; i < n; i++) {
      r -= totals[i];
      if (r < 0) return candidates[i];
    }
    return candidates[n - 1];
  },
};
