/**
 * `spillway.cluster` set: this instance shares its limits, load and cooldowns through Redis
 * (src/cluster/redis). The state is built before the gateway (its deployments count through it), and its
 * metrics join the gateway's registry once that exists.
 */
import type { Logger } from 'pino';
import { type Metric, Registry } from 'prom-client';
import { ClusterMetrics } from '../cluster/redis/metrics.ts';
import { RedisClusterState } from '../cluster/redis/state.ts';
import type { GatewayConfig } from '../config/types.ts';

export interface RedisClusterParts {
  state: RedisClusterState;
  /** Registers the state's metrics on the gateway's registry. */
  register(registry: Registry): void;
}

export function redisCluster(config: GatewayConfig, log: Logger): RedisClusterParts | undefined {
  if (config.cluster === undefined) return undefined;
  // Its own registry for now: the gateway's is made after the deployments, which count through the state.
  const metrics = new ClusterMetrics(new Registry());
  const state = new RedisClusterState({ config: config.cluster, deployments: config.deployments, log, metrics });
  return {
    state,
    register: (registry) => {
      const all: Metric[] = [metrics.state, metrics.transitions, metrics.instances, metrics.staleness];
      for (const m of all) registry.registerMetric(m);
    },
  };
}
