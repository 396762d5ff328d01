import type { LoadRow, LoadShare } from '../types.ts';

/**
 * The load side of the share: own rows are read by the sync loop each round (a snapshot, ./snapshot.ts) and
 * the other instances' rows arrive the same way (./peers.ts sums them into `others`). `changed` is the only
 * call on the request path: it notes when the first change since the last round happened, which the readers
 * turn into the staleness they measure.
 */
export class RedisLoad implements LoadShare {
  own: readonly Readonly<LoadRow>[] = [];
  readonly others: LoadRow[] = [];
  /** Wall ms of the first change not yet in a snapshot; 0 when none. */
  changedAt = 0;
  private readonly wall: () => number;

  constructor(wall: () => number) {
    this.wall = wall;
  }

  attach(own: readonly Readonly<LoadRow>[]): void {
    this.own = own;
    while (this.others.length < own.length) this.others.push({ inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 });
  }

  changed(i: number): void {
    void i;
    if (this.changedAt === 0) this.changedAt = this.wall();
  }

  /** The round took the changes into its snapshot: returns when the oldest of them happened (0: none). */
  takeChangedAt(): number {
    const at = this.changedAt;
    this.changedAt = 0;
    return at;
  }
}
