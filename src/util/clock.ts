/** Milliseconds on a monotonic clock. Injected so algorithms can be tested without sleeping. */
export type Clock = () => number;

export const monotonicMs: Clock = () => performance.now();

/**
 * What to add to a time on a monotonic clock that reads `now` to make it wall-clock ms (Date.now()): how
 * instances, each with its own clock (performance.now() differs per thread and process), tell each other a time.
 */
export function wallOffset(now: number): number {
  return Date.now() - now;
}
