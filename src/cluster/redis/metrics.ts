import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ClusterMode = 'shared' | 'fallback';
export const CLUSTER_MODES: readonly ClusterMode[] = ['shared', 'fallback'];

/**
 * The Redis-backed cluster state's metrics, on the gateway's registry: which mode it is in, its transitions,
 * the live instances it counts and how old the other instances' load is when it is read.
 */
export class ClusterMetrics {
  readonly state: Gauge<'state'>;
  readonly transitions: Counter<'to'>;
  readonly instances: Gauge;
  readonly staleness: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.state = new Gauge({
      name: 'spillway_cluster_state',
      help: 'Shared state through Redis: 1 for the mode this instance is in (shared, or fallback to local limits).',
      labelNames: ['state'],
      registers,
    });
    this.transitions = new Counter({
      name: 'spillway_cluster_transitions_total',
      help: 'Changes of cluster mode, by the mode entered.',
      labelNames: ['to'],
      registers,
    });
    this.instances = new Gauge({
      name: 'spillway_cluster_instances',
      help: 'Live gateway instances sharing state, this one included, as last known.',
      registers,
    });
    this.staleness = new Histogram({
      name: 'spillway_cluster_load_staleness_seconds',
      help: "Age of another instance's load change when this instance first counts it.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    });
  }

  entered(mode: ClusterMode): void {
    for (const m of CLUSTER_MODES) this.state.set({ state: m }, m === mode ? 1 : 0);
    this.transitions.inc({ to: mode });
  }
}
