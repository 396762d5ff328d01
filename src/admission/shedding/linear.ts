/**
 * linear: the refusal probability ramps from 0 at r = start to 1 at r = 1,
 *
 *   p(r) = clamp((r − start) / (1 − start), 0, 1)
 *
 * so as load nears the sheddable limit an increasing share of sheddable requests is refused and the
 * admitted rate bends smoothly instead of dropping off a cliff (RED-style early drop, Floyd & Jacobson 1993).
 */
import type { ShedParams, ShedRule } from './types.ts';

export function linear(p: ShedParams): ShedRule {
  const start = p.start;
  const span = 1 - start;
  return {
    name: 'linear',
    probability(r: number): number {
      if (r >= 1) return 1;
      if (r <= start || span <= 0) return 0;
      return (r - start) / span;
    },
  };
}
