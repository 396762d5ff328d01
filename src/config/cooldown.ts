/**
 * `spillway.cooldown`: the failure-rate policy's settings and the guards around both cooldown policies
 * (src/routing/cooldown, README "Cooldowns"). ./schema.ts mounts the shape; ./normalize.ts builds the
 * CooldownConfig with router_settings.allowed_fails and cooldown_time.
 */
import * as z from 'zod';
import { numeric } from './coerce.ts';
import type { CooldownConfig } from './types.ts';

/** The defaults, with why. */
export const COOLDOWN_DEFAULTS = {
  /** LiteLLM's DEFAULT_FAILURE_THRESHOLD_PERCENT is 0.5 (it cools down above it; Spillway at or above). */
  failureRateThreshold: 0.5,
  /**
   * LiteLLM's minimum is 5 requests. With 10, 5 % background errors reach half of the window's attempts about
   * 18 times less often (binomial: 6e-5 against 1.2e-3 per judgement).
   */
  minRequests: 10,
  /** Envoy's outlier sweep runs every 10 s; LiteLLM counts per clock minute. Holds min_requests at 1 request/s. */
  windowMs: 10_000,
  /** Envoy's default is 10 %, meant for large clusters; model groups are small: half of them, at least one. */
  maxEjectionPercent: 50,
  /** A minute covers a provider's per-minute rate-limit window; a longer wait is the client's to make. */
  retryAfterCapMs: 60_000,
} as const;

export const cooldownShape = {
  failure_rate_threshold: numeric(z.number().gt(0).lte(1)).default(COOLDOWN_DEFAULTS.failureRateThreshold),
  min_requests: numeric(z.int().positive()).default(COOLDOWN_DEFAULTS.minRequests),
  window_ms: numeric(z.int().positive()).default(COOLDOWN_DEFAULTS.windowMs),
  max_ejection_percent: numeric(z.number().min(0).max(100)).default(COOLDOWN_DEFAULTS.maxEjectionPercent),
  retry_after_cap_ms: numeric(z.int().positive()).default(COOLDOWN_DEFAULTS.retryAfterCapMs),
};

/**
 * A complete CooldownConfig from the defaults, for code that builds deployments without a config file (tests, benches).
 */
export function defaultCooldown(over: Partial<CooldownConfig> = {}): CooldownConfig {
  return { policy: 'failure-rate', cooldownTimeMs: 5000, ...COOLDOWN_DEFAULTS, ...over };
}
