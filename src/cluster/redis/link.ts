/**
 * What every shared counter reads about this instance's standing in the cluster, written by the sync loop
 * (./sync.ts) only: one object, so a mode change reaches every counter without a call per counter.
 */
export interface ClusterLink {
  /** false: Redis is unreachable or slower than the budget, and each limit is enforced locally (fallback). */
  shared: boolean;
  /** Live instances, this one included, as last known (fallback divides every limit by it). */
  instances: number;
  /** This instance's position among the live ones sorted by id: who takes the remainder of a split. */
  rank: number;
  /** Wall-clock milliseconds (windows are clock minutes on every instance). */
  readonly wall: () => number;
}

export function newLink(wall: () => number = Date.now): ClusterLink {
  return { shared: false, instances: 1, rank: 0, wall };
}

/**
 * What an instance may take of `remaining` before its next round. Instances read at different moments, so
 * one reads a remainder the others' takes since their own last round have not reached yet: splitting it in
 * 2n − 1 parts instead of n leaves room for those (with every instance holding x = R / (2n − 1) unflushed,
 * one more read sees R − (n − 1)x and takes a share of it, which is again x). The first `remaining mod
 * (2n − 1)` by rank take one more, so n = 1 takes all of it.
 */
export function shareOf(remaining: number, link: ClusterLink): number {
  if (remaining <= 0) return 0;
  const parts = 2 * link.instances - 1;
  return Math.floor(remaining / parts) + (link.rank < remaining % parts ? 1 : 0);
}
