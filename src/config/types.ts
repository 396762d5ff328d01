import type { KeysConfig } from '../tenants/keys-config.ts';
import type { TokenizerConfig } from '../tokens/config.ts';
import type { BackpressureConfig } from './backpressure.ts';
import type { ClusterConfig } from './cluster.ts';
import type { FallbackConfig } from './fallbacks.ts';
import type { HealthCheckConfig } from './health-checks.ts';
import type { LoadSourceConfig } from './load-source.ts';
import type { ObservabilityConfig } from './observability.ts';
import type { SpilloverConfig } from './spillover.ts';

/**
 * The normalised configuration the gateway runs on. The YAML loader (./load.ts) accepts LiteLLM's proxy
 * shape plus Spillway's own keys and produces exactly this; nothing downstream reads YAML.
 */

/**
 * What a proxied request is, by its path (src/ingress/routes.ts). Each layer keeps its own table keyed on it
 * (validation and error shape in src/ingress/endpoint-shapes.ts, the prompt in src/prefix/prompt-shapes.ts,
 * the stream's end in src/relay/stream-end.ts). `other`: OpenAI's other JSON endpoints
 * that name a model (src/ingress/routes.ts, `otherModelPaths`).
 */
export type Endpoint =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'messages'
  | 'rerank'
  | 'score'
  | 'tokenize'
  | 'detokenize'
  | 'transcriptions'
  | 'other';

export interface DeploymentConfig {
  /**
   * Stable id: `model_info.id` when given, else `<model_name>-<index within the group>`; used in headers,
   * metrics, logs.
   */
  id: string;
  /** The model group a client asks for (`model_name`). */
  group: string;
  /** The name sent upstream: `litellm_params.model` without its provider prefix (`openai/x` → `x`). */
  upstreamModel: string;
  /** The provider prefix (`openai`, `hosted_vllm`, ...); `openai` when none was given. */
  provider: string;
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:8000/v1`; the endpoint path is appended to it. */
  apiBase: string;
  apiKey?: string;
  rpm?: number;
  tpm?: number;
  maxParallelRequests?: number;
  /** simple-shuffle weight: `weight`, else rpm, else tpm as the group sets them, else 1 (./routing-compat.ts). */
  weight: number;
  /** Total time allowed for a request (`timeout`, else router `timeout`, else 600 s). */
  timeoutMs: number;
  /** Time allowed until the first response byte (`stream_timeout`, else timeoutMs). */
  firstByteTimeoutMs: number;
  /** Upper bound on keep-alive connections to this deployment (spillway.connections, default 128). */
  connections: number;
  /** TCP connect timeout (default 5 s). */
  connectTimeoutMs: number;
  /** Where this engine's load reports come from (`model_list[].spillway.load`); absent: prediction only. */
  load?: LoadSourceConfig;
  /** `model_info.input_cost_per_token` / `output_cost_per_token`: what a tenant's spend is priced at (absent: 0). */
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  /** `litellm_params.tags`: what tag-based routing matches a request's tags against. */
  tags?: readonly string[];
  /** `litellm_params.order`: the deployment's priority tier in its group, lowest first. */
  order?: number;
}

export interface RouterConfig {
  routingStrategy: string;
  numRetries: number;
  cooldown: CooldownConfig;
  /** Tag-based routing (./routing-compat.ts): set when router_settings.enable_tag_filtering is on. */
  tags?: TagRouting;
}

/** Tag-based routing's settings. */
export interface TagRouting {
  /** A deployment matches on any one of the request's tags (true) or must carry them all (false). */
  matchAny: boolean;
}

/** When failures take a deployment out of rotation, and for how long (src/routing/cooldown, README "Cooldowns"). */
export interface CooldownConfig {
  /** `allowed-fails` when router_settings.allowed_fails is set, else `failure-rate`. */
  policy: 'failure-rate' | 'allowed-fails';
  /** router_settings.allowed_fails; set exactly when the policy is `allowed-fails`. */
  allowedFails?: number;
  /** router_settings.cooldown_time: how long a deployment stays out (an upstream Retry-After may lengthen it). */
  cooldownTimeMs: number;
  /** failure-rate: the failed share of attempts in the window that takes a deployment out. */
  failureRateThreshold: number;
  /** failure-rate: attempts the window must hold before its rate counts. */
  minRequests: number;
  /** The sliding window of attempts (failure-rate's judge, /health/upstreams, the failure-rate gauge). */
  windowMs: number;
  /** Most of a group's deployments out at once, in percent; at least one may always go. */
  maxEjectionPercent: number;
  /** Upper bound on an upstream Retry-After, for cooldowns and what the client is told. */
  retryAfterCapMs: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  masterKey?: string;
  maxRequestSizeBytes: number;
  /** Deepest nesting of objects/arrays a request body may have (`spillway.max_json_depth`, default 128). */
  maxJsonDepth: number;
  /** `spillway.fault_injection`: honour `x-spillway-fault` (tests and chaos runs). Default false. */
  faultInjection: boolean;
  /** When false, /health/* need the master key too. Default true. */
  publicHealth: boolean;
  /** When false, /metrics needs the master key. Default true. */
  publicMetrics: boolean;
  /** SIGTERM: how long in-flight requests may take to finish before the process exits anyway. */
  drainGraceMs: number;
  /** SIGTERM: how long to keep accepting (and refusing with 503) before the listeners close. */
  drainDelayMs: number;
  /** From accept until the request head is complete; also the bound on each later head. */
  headerTimeoutMs: number;
  /**
   * From a request's first byte until its body has arrived (the listener raises it to headerTimeoutMs if lower:
   * node requires it).
   */
  requestTimeoutMs: number;
  /** Idle time between requests on a client keep-alive connection. */
  keepAliveTimeoutMs: number;
  /** Client connections on the public port; undefined: derived from the open-file limit at start-up. */
  maxConnections?: number;
  /** How long the rest of a body still arriving after an early answer is read and discarded. */
  lingerMs: number;
  /** Port of the separate ops listener (health, metrics, admin); undefined: ops routes stay on the public port. */
  opsPort?: number;
  /** Host of the ops listener; undefined: the public host. */
  opsHost?: string;
  logLevel: string;
}

export interface GatewayConfig {
  deployments: DeploymentConfig[];
  router: RouterConfig;
  server: ServerConfig;
  /** Request back pressure (./backpressure.ts); undefined when off, the default. */
  backpressure?: BackpressureConfig;
  /** Prompt token counters by model group (`spillway.tokenizers`); groups absent use the calibrated estimate. */
  tokenizers?: Record<string, TokenizerConfig>;
  /** `spillway.cluster`: shared state through Redis (./cluster.ts); undefined: this instance alone. */
  cluster?: ClusterConfig;
  /** API keys (`spillway.keys`, `general_settings.database_url`; ./keys.ts); undefined: the master key alone. */
  keys?: KeysConfig;
  /** `spillway.tracing` and `spillway.stream_usage` (./observability.ts); absent in hand-built configs: both off. */
  observability?: ObservabilityConfig;
  /** Active health checks (`spillway.health_checks`, or LiteLLM's background_health_checks); undefined: off. */
  healthChecks?: HealthCheckConfig;
  /** router_settings' fallbacks (./fallbacks.ts); undefined when none is configured. */
  fallbacks?: FallbackConfig;
  /** `spillway.spillover`: which groups and classes spill to their fallback (./spillover.ts); optional in tests. */
  spillover?: SpilloverConfig;
}
