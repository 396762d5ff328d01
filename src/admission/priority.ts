/**
 * Priority classes. A request names its class in `x-spillway-priority` (API keys will carry one later);
 * without the header it is `standard`. Each class owns a fraction f(c) of every ingress limit L:
 *
 *   a request of class c is refused once  load ≥ f(c) · L
 *
 * so lower classes hit each limit earlier and the headroom above their fraction stays free for the classes
 * above them. Classes are small integers, 0 the highest, so per-class counters are plain arrays.
 */

export const PRIORITY_NAMES = ['critical', 'standard', 'sheddable'] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];
/** 0 critical, 1 standard, 2 sheddable: lower is more important. */
export type Priority = 0 | 1 | 2;

export const CRITICAL: Priority = 0;
export const STANDARD: Priority = 1;
export const SHEDDABLE: Priority = 2;
export const PRIORITY_COUNT = 3;

export const PRIORITY_HEADER = 'x-spillway-priority';

/** Fraction of every limit per class, indexed by Priority. */
export type PriorityFractions = readonly [number, number, number];

/** The class a header value names; `standard` when absent; -1 when it names none (a client error). */
export function parsePriority(value: string | string[] | undefined): Priority | -1 {
  if (value === undefined || value === '') return STANDARD;
  if (typeof value !== 'string') return -1;
  switch (value) {
    case 'critical':
      return CRITICAL;
    case 'standard':
      return STANDARD;
    case 'sheddable':
      return SHEDDABLE;
  }
  const i = PRIORITY_NAMES.indexOf(value.trim().toLowerCase() as PriorityName);
  return i < 0 ? -1 : (i as Priority);
}

/** Fractions must not increase from a class to the one below it, or priorities would invert. */
export function checkFractions(f: PriorityFractions): string | undefined {
  for (let i = 0; i < f.length; i++) {
    if (!(f[i] > 0 && f[i] <= 1)) return `${PRIORITY_NAMES[i]}: expected a fraction in (0, 1], got ${f[i]}`;
    if (i > 0 && f[i] > f[i - 1])
      return `${PRIORITY_NAMES[i]} (${f[i]}) must not exceed ${PRIORITY_NAMES[i - 1]} (${f[i - 1]})`;
  }
  return undefined;
}
