/**
 * Open-loop arrival processes: the gap before the next request start, whatever the server is doing.
 *   poisson:  gap = -ln(1 - U) / rate   (exponential inter-arrivals, U uniform in [0, 1) from the seeded source)
 *   constant: gap = 1 / rate
 * Gaps are in milliseconds; rate is requests per second.
 */
import type { Random } from '../util/random.ts';

export type ArrivalKind = 'poisson' | 'constant';
export const ARRIVAL_KINDS: readonly ArrivalKind[] = ['poisson', 'constant'];

export type NextGap = () => number;

export function arrivalGaps(kind: ArrivalKind, ratePerS: number, random: Random): NextGap {
  if (!(ratePerS > 0)) throw new Error(`arrival rate must be > 0, got ${ratePerS}`);
  const meanMs = 1000 / ratePerS;
  if (kind === 'constant') return () => meanMs;
  return () => -Math.log(1 - random()) * meanMs;
}
