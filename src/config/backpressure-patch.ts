/**
 * A run-time change of `spillway.backpressure` (PUT /admin/backpressure). Its schema is the section's own
 * (./backpressure.ts BACKPRESSURE_SHAPES): the same keys and ranges, each optional and without its default,
 * less the keys only a restart can change (RESTART_ONLY, each with the reason). A key the section leaves
 * optional (no default) also takes null: unset again, so its derived value applies.
 *
 * A change is applied as an edit of the section: the current configuration written back as the section it
 * came from, every key stated (`backpressureSection`), the patch merged in, and the result parsed and
 * normalised again like the YAML. So a new key of the section is live-settable with no code here, and a
 * value the patch does not name stays what it is now (a PUT of `router.ttft_budget_ms` moves the default
 * budget, not the SLOs or the groups already resolved from it).
 */
import * as z from 'zod';
import type { DeepReadonly } from '../util/ref.ts';
import {
  BACKPRESSURE_SHAPES,
  type BackpressureConfig,
  BackpressureSchema,
  type GroupBackpressure,
  normalizeBackpressure,
} from './backpressure.ts';

type Shapes = Readonly<Record<string, z.core.$ZodLooseShape>>;

/** Keys of the section (paths under `spillway.backpressure`) a PUT does not take, and why. */
export const RESTART_ONLY: Readonly<Record<string, string>> = {
  enabled: 'turning back pressure on or off changes the pipeline built at start',
  status_events: 'fixed at start: the admin API has never changed it (it is read per request, so it could be)',
  'ingress.kv_capacity_blocks': "sizes each engine's load model, built at start",
  'ingress.block_size': "sizes each engine's load model, built at start",
  'router.max_ttft_budget_ms':
    'fixed at start: the admin API has never changed it (it is read per request, so it could be)',
  'router.drain_window_ms': 'sizes the drain-rate and arrival-rate windows, built at start',
  'router.status_interval_ms': "the status events' timer is set when a group's first stream subscribes",
  'engine.slo_window_ms': "sizes each engine's latency windows, built at start",
  'engine.slo_min_samples': 'fixed at start: the admin API has never changed it',
  'engine.limit':
    "each engine's concurrency limit is an algorithm with state (the limit it has learnt), built at start",
};

/** The patch schema of the object at `path` of `shapes`, less `restartOnly`. Exported for its test. */
export function patchSchema(shapes: Shapes, restartOnly: Readonly<Record<string, string>>, path = ''): z.ZodType {
  const out: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shapes[path])) {
    const at = path === '' ? key : `${path}.${key}`;
    if (at in restartOnly) continue;
    let patch: z.ZodType;
    if (shapes[at] !== undefined) patch = patchSchema(shapes, restartOnly, at);
    else if (shapes[`${at}.*`] !== undefined) patch = z.record(z.string(), patchSchema(shapes, restartOnly, `${at}.*`));
    else if (schema instanceof z.ZodDefault) patch = schema.removeDefault() as z.ZodType;
    else if (schema instanceof z.ZodOptional) patch = schema.nullable();
    else patch = schema as z.ZodType;
    out[key] = patch.optional();
  }
  return z.strictObject(out);
}

export const BackpressurePatch = patchSchema(BACKPRESSURE_SHAPES, RESTART_ONLY);

/** The section that normalises to `c`, every key stated (the inverse of normalizeBackpressure). */
export function backpressureSection(c: DeepReadonly<BackpressureConfig>): Record<string, unknown> {
  const l = c.engine.limit;
  const group = (g: DeepReadonly<GroupBackpressure>) => ({
    ttft_budget_ms: g.ttftBudgetMs,
    ttft_slo_ms: g.ttftSloMs,
    itl_slo_ms: g.itlSloMs,
    max_in_flight: g.maxInFlight,
  });
  return {
    enabled: true,
    reject_status: c.rejectStatus,
    status_events: c.statusEvents,
    ingress: {
      max_in_flight: c.ingress.maxInFlight,
      max_in_flight_per_engine: c.ingress.maxInFlightPerEngine,
      kv_overcommit: c.ingress.kvOvercommit,
      kv_capacity_blocks: c.ingress.kvCapacityBlocks,
      block_size: c.ingress.blockSize,
      priorities: {
        critical: c.ingress.fractions[0],
        standard: c.ingress.fractions[1],
        sheddable: c.ingress.fractions[2],
      },
      shedding: { rule: c.ingress.shedRule, start: c.ingress.shedStart },
    },
    router: {
      max_queue: c.router.maxQueue,
      max_queue_tokens: c.router.maxQueueTokens,
      ttft_budget_ms: c.defaults.ttftBudgetMs,
      max_ttft_budget_ms: c.router.maxTtftBudgetMs,
      kv_busy: c.router.kvBusy,
      prefill_busy_tokens: c.router.prefillBusyTokens,
      prefill_busy_fraction: c.router.prefillBusyFraction,
      retry_after_min_ms: c.router.retryAfterMinMs,
      retry_after_max_ms: c.router.retryAfterMaxMs,
      drain_window_ms: c.router.drainWindowMs,
      wait_margin_sd: c.router.waitMarginSd,
      status_interval_ms: c.router.statusIntervalMs,
    },
    engine: {
      ttft_slo_ms: c.defaults.ttftSloMs,
      itl_slo_ms: c.defaults.itlSloMs,
      slo_margin: c.engine.sloMargin,
      slo_window_ms: c.engine.sloWindowMs,
      slo_min_samples: c.engine.sloMinSamples,
      penalty_ms: c.engine.penaltyMs,
      norm_tokens: c.engine.normTokens,
      limit: {
        algorithm: c.engine.limitAlgorithm,
        initial: l.initial,
        min: l.min,
        max: l.max,
        tolerance: l.tolerance,
        smoothing: l.smoothing,
        queue_size: l.queueSize,
        long_window: l.longWindow,
        probe_multiplier: l.probeMultiplier,
        probe_interval: l.probeInterval,
        window_samples: l.windowSamples,
        window_min_ms: l.windowMinMs,
        quantile: l.quantile,
      },
    },
    fairness: { enabled: c.fairness.enabled, policy: c.fairness.policy },
    groups: Object.fromEntries(Object.entries(c.groups).map(([name, g]) => [name, group(g)])),
  };
}

/**
 * `current` with `body` applied: a new configuration, or every problem found (paths under the section).
 * `groupNames`: the model groups a `groups` entry may name.
 */
export function patchBackpressure(
  current: DeepReadonly<BackpressureConfig>,
  body: unknown,
  groupNames: readonly string[],
): { config: BackpressureConfig } | { issues: string[] } {
  const parsed = BackpressurePatch.safeParse(body);
  if (!parsed.success)
    return { issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) };
  const section = BackpressureSchema.parse(merge(backpressureSection(current), parsed.data));
  const issues: string[] = [];
  const config = normalizeBackpressure(section, groupNames, issues)!;
  return issues.length > 0 ? { issues: issues.map((i) => i.replace(/^spillway\.backpressure\./, '')) } : { config };
}

/** `patch` over `base`, object by object; null removes a key, so its default or derived value applies. */
function merge(base: Record<string, unknown>, patch: unknown): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v)) out[k] = merge((out[k] ?? {}) as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}
