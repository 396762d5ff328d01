import type { ClusterState } from '../types.ts';
import { SharedCounters } from './counters.ts';
import { ChannelEvents } from './events.ts';
import { SharedLoad } from './load-share.ts';
import { SharedMemory } from './shared-memory.ts';

/** What the supervisor hands each worker (./supervisor.ts) to build its ClusterState from. */
export interface WorkerClusterOptions {
  buffer: SharedArrayBuffer;
  workers: number;
  /** The config's deployment ids, in order: a deployment's index in the shared memory. */
  deploymentIds: readonly string[];
  /** This worker's index, 0 … workers − 1. */
  worker: number;
  /** The BroadcastChannel name of this process's workers. */
  channel: string;
}

export interface WorkerCluster extends ClusterState {
  readonly events: ChannelEvents;
}

/** One worker's view of the others: shared memory for load and limits, a channel for events. */
export function workerCluster(o: WorkerClusterOptions): WorkerCluster {
  const memory = new SharedMemory(o.buffer, o.workers, o.deploymentIds.length);
  const index = new Map(o.deploymentIds.map((id, i) => [id, i]));
  const events = new ChannelEvents(o.channel);
  return {
    kind: 'workers',
    load: new SharedLoad(memory, o.worker),
    quotas: {
      counters(deploymentId) {
        const d = index.get(deploymentId);
        if (d === undefined) throw new Error(`deployment "${deploymentId}" is not in the workers' shared memory`);
        return new SharedCounters(memory, d, o.worker);
      },
    },
    events,
    instances: () => o.workers,
    start: async () => {},
    stop: async () => events.close(),
  };
}
