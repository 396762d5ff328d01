/**
 * Active health checks (src/health): `spillway.health_checks`, and LiteLLM's general_settings
 * `background_health_checks` / `health_check_interval` mapped onto them. ./schema.ts mounts the shapes;
 * ./normalize.ts calls normalizeHealthChecks. docs/OPERATIONS.md, "Health checks", says how they behave.
 */
import * as z from 'zod';
import { boolean, numeric } from './coerce.ts';

/** The probes src/health/probes.ts implements, one per name. */
export const PROBE_NAMES = ['models', 'chat'] as const;
export type ProbeName = (typeof PROBE_NAMES)[number];

/** The defaults, with why. */
export const HEALTH_CHECK_DEFAULTS = {
  /** Envoy's examples probe every 5-10 s; a dead engine then leaves routing within 20 s at two failures. */
  intervalMs: 10_000,
  /** A /models answer is instant on a live engine; 2 s rides out a GC pause or a busy event loop. */
  timeoutMs: 2_000,
  /** Two in a row, as Envoy's common setting: one lost probe does not take a deployment out or back. */
  unhealthyThreshold: 2,
  healthyThreshold: 2,
  /** The cheapest probe an OpenAI-compatible engine answers; `chat` is LiteLLM's (a completion of 1 token). */
  probe: 'models' as ProbeName,
  /** LiteLLM's health_check_interval default: 300 s. */
  litellmIntervalS: 300,
} as const;

const positiveInt = () => numeric(z.int().positive());

export const healthChecksShape = {
  enabled: boolean().default(true),
  interval_ms: positiveInt().default(HEALTH_CHECK_DEFAULTS.intervalMs),
  timeout_ms: positiveInt().default(HEALTH_CHECK_DEFAULTS.timeoutMs),
  unhealthy_threshold: positiveInt().default(HEALTH_CHECK_DEFAULTS.unhealthyThreshold),
  healthy_threshold: positiveInt().default(HEALTH_CHECK_DEFAULTS.healthyThreshold),
  probe: z.enum(PROBE_NAMES).default(HEALTH_CHECK_DEFAULTS.probe),
  /** The `models` probe's path under api_base; default `/models`. */
  path: z.string().startsWith('/', 'expected a path starting with /').optional(),
};

export const HealthChecksSchema = z.strictObject(healthChecksShape).optional();

/** Mounted into general_settings: LiteLLM's keys. */
export const litellmHealthShape = {
  background_health_checks: boolean().optional(),
  /** Seconds between LiteLLM's background checks. */
  health_check_interval: numeric(z.number().positive()).optional(),
};

/** The normalised health checks; absent from GatewayConfig when off. */
export interface HealthCheckConfig {
  intervalMs: number;
  timeoutMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
  probe: ProbeName;
  path?: string;
}

/**
 * `spillway.health_checks` when given; else, with LiteLLM's background_health_checks on, its interval and
 * probe (a 1-token chat completion) with thresholds of 1, as LiteLLM judges each check alone.
 */
export function normalizeHealthChecks(
  own: z.output<typeof HealthChecksSchema>,
  litellm: { background_health_checks?: boolean; health_check_interval?: number },
): HealthCheckConfig | undefined {
  if (own !== undefined) {
    if (!own.enabled) return undefined;
    return {
      intervalMs: own.interval_ms,
      timeoutMs: own.timeout_ms,
      unhealthyThreshold: own.unhealthy_threshold,
      healthyThreshold: own.healthy_threshold,
      probe: own.probe,
      ...(own.path !== undefined && { path: own.path }),
    };
  }
  if (litellm.background_health_checks !== true) return undefined;
  const intervalMs = Math.round((litellm.health_check_interval ?? HEALTH_CHECK_DEFAULTS.litellmIntervalS) * 1000);
  return {
    intervalMs,
    timeoutMs: Math.min(HEALTH_CHECK_DEFAULTS.timeoutMs * 5, intervalMs),
    unhealthyThreshold: 1,
    healthyThreshold: 1,
    probe: 'chat',
  };
}
