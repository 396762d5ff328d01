/**
 * The shape of the YAML file: LiteLLM's proxy config for what Spillway supports, plus Spillway's own keys
 * under `spillway:`. Objects are strict so unknown keys surface as issues; ./load.ts turns those into
 * warnings. Defaults that come from LiteLLM were checked against its docs and source (litellm/constants.py,
 * docs/proxy/config_settings.md, docs/router/api_reference/configuration); each is noted where it is set.
 * Adding a section: write its shape below, add it to `fileShape` and to `KNOWN_KEYS`, map it in ./normalize.ts.
 */
import * as z from 'zod';
import { tokenizerShape } from '../tokens/config.ts';
import { BACKPRESSURE_KNOWN_KEYS, BackpressureSchema } from './backpressure.ts';
import { ClusterSchema, clusterShape } from './cluster.ts';
import { boolean, numeric, section } from './coerce.ts';
import { cooldownShape } from './cooldown.ts';
import { fallbackSettingsShape } from './fallbacks.ts';
import { HealthChecksSchema, healthChecksShape, litellmHealthShape } from './health-checks.ts';
import { databaseUrl, KeysSchema, keysShape, staticKeyShape } from './keys.ts';
import { loadSourceShape } from './load-source.ts';
import { observabilityShape, tracingShape } from './observability.ts';
import { parseProviderModel } from './provider.ts';
import { routingParamsShape, tagRoutingShape } from './routing-compat.ts';
import { SPILLOVER_KNOWN_KEYS, SpilloverSchema } from './spillover.ts';

const positiveInt = () => numeric(z.int().positive());
const nonNegativeInt = () => numeric(z.int().nonnegative());
/** LiteLLM times are seconds and may be fractional (`timeout: 0.5`). */
const seconds = () => numeric(z.number().positive());

const HTTP_URL = 'expected an http(s) URL';
const httpUrl = z.string({ error: HTTP_URL }).refine((s) => {
  if (!URL.canParse(s)) return false;
  const { protocol, hostname } = new URL(s);
  return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
}, HTTP_URL);

/** Keys are never echoed in messages; a YAML number (`master_key: 1234`) must be quoted. */
const secret = () => z.string({ error: 'expected a string (quote it in YAML)' });
const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);

const litellmParamsShape = {
  /** `openai/<name>`, `hosted_vllm/<name>`, ...; see ./provider.ts. */
  model: nonEmpty('an upstream model such as openai/<name> or hosted_vllm/<name>'),
  /** Required: Spillway has no built-in provider URLs. */
  api_base: httpUrl,
  api_key: secret().optional(),
  /** LiteLLM's alternative to a provider prefix on `model`. */
  custom_llm_provider: z.string().min(1).optional(),
  rpm: positiveInt().optional(),
  tpm: positiveInt().optional(),
  /** simple-shuffle weight; default 1. */
  weight: numeric(z.number().positive()).optional(),
  /** Seconds for the whole request; default router_settings.timeout. */
  timeout: seconds().optional(),
  /** Seconds until the first chunk (LiteLLM: time to first token on streams); default the timeout. */
  stream_timeout: seconds().optional(),
  max_parallel_requests: positiveInt().optional(),
  ...routingParamsShape,
};

/** The provider error for a litellm_params mapping, if its model/custom_llm_provider pair is unusable. */
function providerError(params: unknown): string | undefined {
  const { model, custom_llm_provider: custom } = (params ?? {}) as Record<string, unknown>;
  if (typeof model !== 'string' || model === '' || (custom !== undefined && typeof custom !== 'string')) return;
  const parsed = parseProviderModel(model, custom);
  return 'error' in parsed ? parsed.error : undefined;
}

/** Checked here, not in ./normalize.ts, so a provider error is reported together with every other issue. */
const litellmParams = z
  .strictObject(litellmParamsShape, { error: 'expected a mapping with model and api_base' })
  .refine((p) => providerError(p) === undefined, {
    path: ['model'],
    when: (payload) => providerError(payload.value) !== undefined,
    error: (issue) => providerError(issue.input),
  });

const modelInfoShape = {
  /** LiteLLM's per-deployment id; becomes DeploymentConfig.id. YAML may read `id: 7` as a number. */
  id: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^[\x21-\x7e]+$/, 'expected a non-empty id of printable ASCII without spaces'))
    .optional(),
  /** LiteLLM's prices per token (issue 15): a tenant's spend = prompt × input + completion × output. */
  input_cost_per_token: numeric(z.number().nonnegative()).optional(),
  output_cost_per_token: numeric(z.number().nonnegative()).optional(),
};

/** Spillway's own per-deployment keys (`model_list[].spillway`). */
const deploymentSpillwayShape = {
  /** Where the engine's load reports come from (./load-source.ts); default `none`: prediction only. */
  load: section(loadSourceShape).optional(),
};

const deploymentShape = {
  model_name: nonEmpty('a model group name'),
  litellm_params: litellmParams,
  model_info: section(modelInfoShape).optional(),
  /** Older LiteLLM configs put rpm/tpm beside litellm_params; litellm_params wins when both are set. */
  rpm: positiveInt().optional(),
  tpm: positiveInt().optional(),
  spillway: section(deploymentSpillwayShape).optional(),
};

const routerSettingsShape = {
  /** LiteLLM default `simple-shuffle`. Not an enum: the router validates the name against its registry. */
  routing_strategy: z.string().min(1).default('simple-shuffle'),
  /** LiteLLM DEFAULT_MAX_RETRIES = 2 (litellm/constants.py; one proxy docs table says 3, the code says 2). */
  num_retries: nonNegativeInt().default(2),
  /**
   * Failures in a minute before a deployment cools down. Unset (the default) selects the failure-rate policy,
   * as in current LiteLLM (which also treats its own default, 3, as unset; Spillway does not): a count per
   * minute turns a few percent of errors at a high request rate into a cooldown every time.
   */
  allowed_fails: nonNegativeInt().optional(),
  /** Seconds; LiteLLM DEFAULT_COOLDOWN_TIME_SECONDS = 5. */
  cooldown_time: numeric(z.number().nonnegative()).default(5),
  /** Seconds; the per-deployment default. LiteLLM: "Default is 10 minutes". */
  timeout: seconds().default(600),
  /** Seconds; the per-deployment default for stream_timeout. LiteLLM: unset means `timeout`. */
  stream_timeout: seconds().optional(),
  /** Default for litellm_params.max_parallel_requests (LiteLLM router_settings key of the same name). */
  default_max_parallel_requests: positiveInt().optional(),
  ...tagRoutingShape,
  /** fallbacks, default_fallbacks, context_window_fallbacks, content_policy_fallbacks, max_fallbacks. */
  ...fallbackSettingsShape,
};

const generalSettingsShape = {
  master_key: secret().min(1, 'expected a non-empty key').optional(),
  /**
   * MiB, as LiteLLM computes it (bytes / 1024 / 1024). LiteLLM has no default (no limit, and the check is an
   * enterprise feature); Spillway buffers request bodies, so it needs a bound: 10 MiB is ~750 times the seed
   * load test's 13 KB prompt and fits a 128k-token context with room for a few inline images.
   */
  max_request_size_mb: numeric(z.number().positive()).default(10),
  /** LiteLLM's Postgres for API keys (./keys.ts); the DATABASE_URL variable is read when keys are on without it. */
  database_url: databaseUrl.optional(),
  ...litellmHealthShape,
};

/** pino's level names. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Spillway's own settings. CLI flags (--host, --port) override host and port; the caller applies them. */
const spillwayShape = {
  host: z.string().min(1).default('127.0.0.1'),
  port: numeric(z.int().min(0).max(65535)).default(4000),
  log_level: z.enum(LOG_LEVELS).default('info'),
  public_health: boolean().default(true),
  public_metrics: boolean().default(true),
  drain_grace_ms: nonNegativeInt().default(30_000),
  /**
   * SIGTERM: how long the gateway keeps accepting (readiness 503, new requests 503 shutting_down) before it
   * closes its listeners, so load balancers see it leave before connections are refused. Kubernetes removes
   * a terminating pod's endpoint while it sends SIGTERM, and kube-proxy, ingress controllers and DNS pick
   * the removal up asynchronously (seconds); 5 s covers that on a healthy cluster.
   */
  drain_delay_ms: nonNegativeInt().default(5_000),
  /**
   * From accept until the request head is complete (nginx's client_header_timeout, default 60 s). 10 s: API
   * clients send their head at once, and a silent socket holds a descriptor until it passes.
   */
  header_timeout_ms: positiveInt().default(10_000),
  /**
   * From a request's first byte until its whole body has arrived (Node's requestTimeout, default 300 s; nginx
   * bounds each read of a body at 60 s). 60 s lets a 10 MiB body through at 175 KB/s, and stops a body that
   * stalls short of its Content-Length from holding its buffer and connection for 5 minutes.
   */
  request_timeout_ms: positiveInt().default(60_000),
  /** Idle time between requests on a client keep-alive connection; above common load balancers' 60 s idle. */
  keep_alive_timeout_ms: positiveInt().default(65_000),
  /** Client connections on the public port; default derived from the process's open-file limit (README). */
  max_connections: positiveInt().optional(),
  /** After an early answer (413, 401, ...) the rest of a body still arriving is read and discarded this long. */
  linger_ms: nonNegativeInt().default(5_000),
  /** Serve /metrics, /health/* and /admin/* on this port instead of the public one; unset: off. 0: any free port. */
  ops_port: numeric(z.int().min(0).max(65535)).optional(),
  /** Host for ops_port; default the public host. */
  ops_host: z.string().min(1).optional(),
  /** Keep-alive connections per deployment. */
  connections: positiveInt().default(128),
  connect_timeout_ms: positiveInt().default(5_000),
  cooldown: section(cooldownShape),
  /**
   * Deepest nesting of objects/arrays a request body may have (the body is 1). Real chat bodies stay under ~20
   * (tool schemas included); 128 leaves room and stays far below the ~10,000 levels where a recursive walk of
   * the parsed body (any library's, JSON.stringify's) overflows the stack.
   */
  max_json_depth: positiveInt().default(128),
  /**
   * Tests and chaos runs only: `x-spillway-fault: <point>` makes that request throw there
   * (src/outcome/internal-error.ts).
   */
  fault_injection: boolean().default(false),
  /** Request back pressure at three levels; shape and defaults in ./backpressure.ts. */
  backpressure: BackpressureSchema,
  /** Per model group: how prompt tokens are counted (src/tokens/config.ts); default the calibrated estimate. */
  tokenizers: z.record(z.string(), section(tokenizerShape)).default({}),
  /** Share limits, load and cooldowns with the other gateways through Redis (./cluster.ts); absent: alone. */
  cluster: ClusterSchema,
  /** API keys: their store, refresh and the keys declared here (./keys.ts); absent: the master key alone. */
  keys: KeysSchema,
  /** Tracing and streamed usage (./observability.ts). */
  ...observabilityShape,
  /** Active health checks per deployment (./health-checks.ts); absent: off unless LiteLLM's are on. */
  health_checks: HealthChecksSchema,
  /** Back pressure's refusals sent to the group's fallback instead (./spillover.ts); off by default. */
  spillover: SpilloverSchema,
};

const fileShape = {
  model_list: z
    .array(z.strictObject(deploymentShape, { error: 'expected a mapping with model_name and litellm_params' }), {
      error: 'expected a list of deployments',
    })
    .min(1, 'expected at least one deployment'),
  router_settings: section(routerSettingsShape),
  general_settings: section(generalSettingsShape),
  spillway: section(spillwayShape),
};

export const ConfigFileSchema = z.strictObject(fileShape, { error: 'expected a mapping with model_list' });
export type ConfigFile = z.output<typeof ConfigFileSchema>;

/** Keys each section accepts, for "did you mean" hints. Sections are paths with indices erased (./path.ts). */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(fileShape),
  'model_list[]': Object.keys(deploymentShape),
  'model_list[].litellm_params': Object.keys(litellmParamsShape),
  'model_list[].model_info': Object.keys(modelInfoShape),
  'model_list[].spillway': Object.keys(deploymentSpillwayShape),
  'model_list[].spillway.load': Object.keys(loadSourceShape),
  router_settings: Object.keys(routerSettingsShape),
  general_settings: Object.keys(generalSettingsShape),
  spillway: Object.keys(spillwayShape),
  'spillway.cooldown': Object.keys(cooldownShape),
  'spillway.cluster': Object.keys(clusterShape),
  'spillway.keys': Object.keys(keysShape),
  'spillway.keys.static[]': Object.keys(staticKeyShape),
  'spillway.tracing': Object.keys(tracingShape),
  'spillway.health_checks': Object.keys(healthChecksShape),
  ...BACKPRESSURE_KNOWN_KEYS,
  ...SPILLOVER_KNOWN_KEYS,
};
