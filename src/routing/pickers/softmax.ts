/**
 * softmax(τ): with totals s(i) normalised to [0, 1] over the candidates (1 the best), candidate i with
 * probability
 *   P(i) ∝ exp(−(1 − s(i)) / τ)
 * so the best is e^(1/τ) times as likely as the worst. When every total is equal it is max-score (the
 * tie-break and the random draw among ties).
 */
import type { Random } from '../../util/random.ts';
import type { Picker, TieBreak } from '../profile/types.ts';
import { maxScore } from './max-score.ts';

export function softmax(temperature: number): Picker {
  return {
    name: 'softmax',
    pick<D>(
      candidates: readonly D[],
      totals: Float64Array,
      tieBreak: TieBreak<D> | undefined,
      random: Random,
    ): D | undefined {
      const n = candidates.length;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        if (totals[i] < min) min = totals[i];
        if (totals[i] > max) max = totals[i];
      }
      if (n === 0 || min === max) return maxScore.pick(candidates, totals, tieBreak, random);
      const scale = 1 / ((max - min) * temperature);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(-(max - totals[i]) * scale);
      let r = random() * sum;
      let last = 0;
      for (let i = 0; i < n; i++) {
        const w = Math.exp(-(max - totals[i]) * scale);
        if (w === 0) continue; // underflow at a small τ: never picked
        last = i;
        r -= w;
        if (r < 0) return candidates[i];
      }
      return candidates[last];
    },
  };
}
