/** A once-a-second view of a running bench, for the TTY progress line and for callers that want to watch. */
export interface LiveStats {
  elapsedS: number;
  /** Requests started and finished per second over the last interval. */
  startedPerS: number;
  finishedPerS: number;
  inFlight: number;
  /** TTFT percentiles of the requests that finished in the last interval (0 when none). */
  ttftP50: number;
  ttftP99: number;
  rejectedPerS: number;
  errorsPerS: number;
  /** The generator's own event-loop delay p99 over the last interval. */
  lagP99Ms: number;
  /** Requests waiting inside the generator for a free connection. */
  clientQueued: number;
}
