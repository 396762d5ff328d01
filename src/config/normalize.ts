/**
 * The validated file → the normalised GatewayConfig (./types.ts): seconds become milliseconds, MiB bytes,
 * provider prefixes are split off, ids are assigned, and router-level defaults are applied per deployment.
 * Cross-entry checks (duplicate ids) and provider checks push `path: message` issues instead of throwing.
 */

import { normalizeTokenizers } from '../tokens/config.ts';
import { normalizeBackpressure } from './backpressure.ts';
import { normalizeCluster } from './cluster.ts';
import { normalizeFallbacks } from './fallbacks.ts';
import { normalizeHealthChecks } from './health-checks.ts';
import { normalizeKeys } from './keys.ts';
import { normalizeLoadSource } from './load-source.ts';
import { normalizeObservability } from './observability.ts';
import { parseProviderModel } from './provider.ts';
import { shuffleWeights, tagRouting } from './routing-compat.ts';
import type { ConfigFile } from './schema.ts';
import { normalizeSpillover } from './spillover.ts';
import type { DeploymentConfig, GatewayConfig } from './types.ts';

const MIB = 1024 * 1024;
const ms = (seconds: number) => Math.round(seconds * 1000);

export function normalize(file: ConfigFile, issues: string[], env: NodeJS.ProcessEnv = {}): GatewayConfig {
  const router = file.router_settings;
  const general = file.general_settings;
  const sw = file.spillway;
  const ids = assignIds(file, issues);
  const deployments: DeploymentConfig[] = [];
  const weighted = new Set<DeploymentConfig>();

  file.model_list.forEach((entry, i) => {
    const lp = entry.litellm_params;
    const parsed = parseProviderModel(lp.model, lp.custom_llm_provider);
    if ('error' in parsed) {
      issues.push(`model_list[${i}].litellm_params.model: ${parsed.error}`);
      return;
    }
    const timeoutMs = ms(lp.timeout ?? router.timeout);
    const streamTimeout = lp.stream_timeout ?? router.stream_timeout;
    const deployment: DeploymentConfig = {
      id: ids[i],
      group: entry.model_name,
      upstreamModel: parsed.upstreamModel,
      provider: parsed.provider,
      apiBase: lp.api_base.replace(/\/+$/, ''),
      apiKey: lp.api_key,
      rpm: lp.rpm ?? entry.rpm,
      tpm: lp.tpm ?? entry.tpm,
      maxParallelRequests: lp.max_parallel_requests ?? router.default_max_parallel_requests,
      weight: lp.weight ?? 1,
      timeoutMs,
      // The first byte cannot be allowed longer than the whole request.
      firstByteTimeoutMs: streamTimeout === undefined ? timeoutMs : Math.min(ms(streamTimeout), timeoutMs),
      connections: sw.connections,
      connectTimeoutMs: sw.connect_timeout_ms,
      ...(entry.spillway?.load !== undefined && { load: normalizeLoadSource(entry.spillway.load) }),
      ...(entry.model_info?.input_cost_per_token !== undefined && {
        inputCostPerToken: entry.model_info.input_cost_per_token,
      }),
      ...(entry.model_info?.output_cost_per_token !== undefined && {
        outputCostPerToken: entry.model_info.output_cost_per_token,
      }),
      ...(lp.tags !== undefined && { tags: lp.tags }),
      ...(lp.order !== undefined && { order: lp.order }),
    };
    deployments.push(deployment);
    if (lp.weight !== undefined) weighted.add(deployment);
  });
  shuffleWeights(deployments, weighted);

  const groupNames = [...new Set(deployments.map((d) => d.group))];
  const fallbacks = normalizeFallbacks(router, groupNames, issues);
  const keys = normalizeKeys(sw.keys, general.database_url, general.master_key, env, issues);
  return {
    deployments,
    router: {
      routingStrategy: router.routing_strategy,
      numRetries: router.num_retries,
      cooldown: {
        policy: router.allowed_fails === undefined ? 'failure-rate' : 'allowed-fails',
        ...(router.allowed_fails !== undefined && { allowedFails: router.allowed_fails }),
        cooldownTimeMs: ms(router.cooldown_time),
        failureRateThreshold: sw.cooldown.failure_rate_threshold,
        minRequests: sw.cooldown.min_requests,
        windowMs: sw.cooldown.window_ms,
        maxEjectionPercent: sw.cooldown.max_ejection_percent,
        retryAfterCapMs: sw.cooldown.retry_after_cap_ms,
      },
      ...tagRouting(router),
    },
    server: {
      host: sw.host,
      port: sw.port,
      masterKey: general.master_key,
      maxRequestSizeBytes: Math.floor(general.max_request_size_mb * MIB),
      maxJsonDepth: sw.max_json_depth,
      faultInjection: sw.fault_injection,
      publicHealth: sw.public_health,
      publicMetrics: sw.public_metrics,
      drainGraceMs: sw.drain_grace_ms,
      drainDelayMs: sw.drain_delay_ms,
      headerTimeoutMs: sw.header_timeout_ms,
      requestTimeoutMs: sw.request_timeout_ms,
      keepAliveTimeoutMs: sw.keep_alive_timeout_ms,
      maxConnections: sw.max_connections,
      lingerMs: sw.linger_ms,
      opsPort: sw.ops_port,
      opsHost: sw.ops_host,
      logLevel: sw.log_level,
    },
    backpressure: normalizeBackpressure(sw.backpressure, groupNames, issues),
    tokenizers: normalizeTokenizers(sw.tokenizers, groupNames, issues),
    ...(sw.cluster !== undefined && { cluster: normalizeCluster(sw.cluster) }),
    ...(keys !== undefined && { keys }),
    observability: normalizeObservability(sw),
    ...healthChecks(sw.health_checks, general),
    ...(fallbacks !== undefined && { fallbacks }),
    spillover: normalizeSpillover(sw.spillover, groupNames, issues),
  };
}

function healthChecks(...args: Parameters<typeof normalizeHealthChecks>) {
  const healthChecks = normalizeHealthChecks(...args);
  return healthChecks === undefined ? {} : { healthChecks };
}

/**
 * `model_info.id` when given (must be unique), else `<model_name>-<n>` with n the entry's index within its
 * group. Generated ids depend only on the file, so they are stable across restarts; one that collides
 * with an explicit id gets a `.k` suffix.
 */
function assignIds(file: ConfigFile, issues: string[]): string[] {
  const ids: string[] = [];
  const taken = new Map<string, number>();
  file.model_list.forEach((entry, i) => {
    const id = entry.model_info?.id;
    if (id === undefined) return;
    const first = taken.get(id);
    if (first !== undefined)
      issues.push(`model_list[${i}].model_info.id: duplicate id "${id}" (also model_list[${first}])`);
    else taken.set(id, i);
    ids[i] = id;
  });
  const perGroup = new Map<string, number>();
  file.model_list.forEach((entry, i) => {
    const n = perGroup.get(entry.model_name) ?? 0;
    perGroup.set(entry.model_name, n + 1);
    if (ids[i] !== undefined) return;
    const base = `${entry.model_name}-${n}`;
    let id = base;
    for (let k = 1; taken.has(id); k++) id = `${base}.${k}`;
    taken.set(id, i);
    ids[i] = id;
  });
  return ids;
}
