/** The Redis a cluster scenario shares through: started by the bench, stopped and restarted by the outage. */
export interface RedisHandle {
  readonly url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Which side of the comparison a run is: shared through Redis, or each instance alone. */
export type Sharing = 'shared' | 'unshared';
export const SHARINGS: readonly Sharing[] = ['shared', 'unshared'];
