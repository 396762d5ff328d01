import type { Clock } from './clock.ts';

/**
 * A counter over fixed one-minute windows, as LiteLLM counts rpm/tpm (per current minute). Fixed windows make
 * the seed's quota test exact: a deployment with rpm N serves at most N requests in any clock minute.
 */
export class FixedWindowCounter {
  static readonly windowMs = 60_000;
  private windowStart = 0;
  private count = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Current count, after rolling the window forward if it has expired. */
  current(): number {
    const now = this.clock();
    if (now - this.windowStart >= FixedWindowCounter.windowMs) {
      this.windowStart = now - ((now - this.windowStart) % FixedWindowCounter.windowMs);
      this.count = 0;
    }
    return this.count;
  }

  add(n: number): void {
    this.current();
    this.count += n;
  }

  /** Starts the count again from zero (the window's boundaries stay where they are). */
  reset(): void {
    this.current();
    this.count = 0;
  }

  /** Milliseconds until the current window ends and the count starts again from zero. */
  msUntilReset(): number {
    this.current();
    return this.windowStart + FixedWindowCounter.windowMs - this.clock();
  }
}

/**
 * The clock minute of wall-clock `wallMs` (ms since the epoch): the rpm/tpm window every instance of a cluster
 * counts in, since their monotonic clocks do not agree (src/cluster).
 */
export function clockMinute(wallMs: number): number {
  return Math.floor(wallMs / FixedWindowCounter.windowMs);
}

/** Milliseconds from wall-clock `wallMs` until its clock minute ends. */
export function msToNextClockMinute(wallMs: number): number {
  return FixedWindowCounter.windowMs - (wallMs % FixedWindowCounter.windowMs);
}
