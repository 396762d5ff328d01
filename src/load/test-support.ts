/** Shared by the load and strategy tests: a fleet on a hand-driven clock, and candidate views over it. */

import type { LoadSourceConfig } from '../config/load-source.ts';
import { DEFAULT_LOAD_SOURCE } from '../config/load-source.ts';
import type { DeploymentConfig } from '../config/types.ts';
import type { EngineLoad } from './engine-load.ts';
import { FleetLoad } from './fleet.ts';

export function deploymentConfig(id: string, group = 'g'): DeploymentConfig {
  return {
    id,
    group,
    upstreamModel: group,
    provider: 'openai',
    apiBase: 'http://127.0.0.1:1/v1',
    weight: 1,
    timeoutMs: 600_000,
    firstByteTimeoutMs: 600_000,
    connections: 8,
    connectTimeoutMs: 5000,
  };
}

/** A deployment with its engine's load, as routing's EngineView (src/routing/types.ts) reads it. */
export interface TestView {
  readonly id: string;
  readonly config: DeploymentConfig;
  readonly inFlight: number;
  readonly load: EngineLoad;
}

export interface TestFleet {
  fleet: FleetLoad;
  views: TestView[];
  now(): number;
  advance(ms: number): void;
}

/** `n` engines e0..e(n-1), each with `load` (prediction only unless a test reports), strict releases. */
export function testFleet(n: number, load: Partial<LoadSourceConfig> = {}): TestFleet {
  let now = 0;
  const clock = () => now;
  const deployments = Array.from({ length: n }, (_, i) => ({
    ...deploymentConfig(`e${i}`),
    load: { ...DEFAULT_LOAD_SOURCE, ...load, kind: 'none' as const },
  }));
  const fleet = new FleetLoad({ clock, deployments, strict: true });
  const views = deployments.map((d) => ({ id: d.id, config: d, inFlight: 0, load: fleet.engine(d.id) }));
  return { fleet, views, now: () => now, advance: (ms) => (now += ms) };
}
