import { isDeepStrictEqual } from 'node:util';
import type { DeploymentConfig } from '../config/types.ts';

/**
 * Whether two configs of one deployment id (before and after a config reload, src/reload) name the same engine
 * in the same group, read the same way: then its measured state — the load model, latency windows, adaptive
 * limit — carries over to the new deployment, whose other settings (limits, timeouts, key) changed.
 */
export function sameEngine(a: DeploymentConfig, b: DeploymentConfig): boolean {
  return (
    a.group === b.group &&
    a.apiBase === b.apiBase &&
    a.upstreamModel === b.upstreamModel &&
    a.maxParallelRequests === b.maxParallelRequests &&
    isDeepStrictEqual(a.load, b.load)
  );
}
