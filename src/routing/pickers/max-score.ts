/**
 * max-score: the candidate with the highest total score; among equal totals the highest tie-break key, if the
 * stage has one; among those still equal, one uniformly at random by reservoir sampling: the k-th tied
 * candidate met replaces the current one with probability 1/k (one draw per tie met, no allocation). This is
 * every profile's random tie-break.
 */
import type { Random } from '../../util/random.ts';
import type { Picker, TieBreak } from '../profile/types.ts';

export const maxScore: Picker = {
  name: 'max-score',
  pick<D>(
    candidates: readonly D[],
    totals: Float64Array,
    tieBreak: TieBreak<D> | undefined,
    random: Random,
  ): D | undefined {
    let best = -1;
    let bestTotal = -Infinity;
    let bestKey = NaN; // the tie-break key of `best`, read only once a tie needs it
    let ties = 0;
    for (let i = 0; i < candidates.length; i++) {
      const t = totals[i];
      if (best < 0 || t > bestTotal) {
        best = i;
        bestTotal = t;
        bestKey = NaN;
        ties = 1;
        continue;
      }
      if (t < bestTotal) continue;
      if (tieBreak !== undefined) {
        if (bestKey !== bestKey) bestKey = tieBreak.key(candidates[best]);
        const k = tieBreak.key(candidates[i]);
        if (k < bestKey) continue;
        if (k > bestKey) {
          best = i;
          bestKey = k;
          ties = 1;
          continue;
        }
      }
      if (random() * ++ties < 1) best = i;
    }
    return best < 0 ? undefined : candidates[best];
  },
};
