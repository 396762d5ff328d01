import type { DeploymentConfig } from '../config/types.ts';

/** The `i`th deployment of a test group `g`: one connection to a closed port, short timeouts, and `extra`. */
export function testDeploymentConfig(i: number, extra: Partial<DeploymentConfig> = {}): DeploymentConfig {
  return {
    id: `d${i}`,
    group: 'g',
    upstreamModel: 'x',
    provider: 'openai',
    apiBase: 'http://127.0.0.1:1/v1',
    weight: 1,
    timeoutMs: 1000,
    firstByteTimeoutMs: 1000,
    connections: 1,
    connectTimeoutMs: 100,
    ...extra,
  };
}
