/**
 * lowest(value): the less of `value` (≥ 0: a count, a load share), the better,
 *   score(d) = 1 / (1 + value(d))        in (0, 1], 1 at value 0
 * which keeps the order and the ties of `value` exactly (distinct counts and load shares stay distinct).
 * As a tie-break its key is −value(d).
 */
import type { Scorer, TieBreak } from '../profile/types.ts';

export const lowestScore = (value: number): number => 1 / (1 + value);

export function lowest<D>(name: string, value: (d: D) => number): Scorer<D> & TieBreak<D> {
  return {
    name,
    score(candidates, _req, out) {
      for (let i = 0; i < candidates.length; i++) out[i] = lowestScore(value(candidates[i]));
    },
    key: (d) => -value(d),
  };
}
