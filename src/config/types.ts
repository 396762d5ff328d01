import type { BackpressureConfig } from './backpressure.ts';
import type { LoadSourceConfig } from '../load/config.ts';
import type { TokenizerConfig } from '../tokens/config.ts';

/**
 * The normalised configuration the gateway runs on. The YAML loader (./load.ts) accepts LiteLLM's proxy
 * shape plus Spillway's own keys and produces exactly this; nothing downstream reads YAML.
 */

export type Endpoint = 'chat' | 'completions' | 'embeddings';

export interface DeploymentConfig {
  /** Stable id: `model_info.id` when given, else `<model_name>-<index within the group>`; used in headers, metrics, logs. */
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
  /** simple-shuffle weight, default 1. */
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
}

export interface RouterConfig {
  routingStrategy: string;
  numRetries: number;
  allowedFails: number;
  cooldownTimeMs: number;
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
}
