/** Milliseconds on a monotonic clock. Injected so algorithms can be tested without sleeping. */
export type Clock = () => number;

export const monotonicMs: Clock = () => performance.now();
