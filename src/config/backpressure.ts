/**
 * `spillway.backpressure`: the three levels of request back pressure (docs/BACKPRESSURE.md). Off unless
 * `enabled: true`; then every key below has a documented default, so `backpressure: { enabled: true }` is
 * a complete configuration. The YAML shape, its "did you mean" key lists, the normalised form and the
 * normalisation live here; ./schema.ts mounts the shape and ./normalize.ts calls `normalizeBackpressure`.
 */
import * as z from 'zod';
import { fairnessPolicyNames } from '../admission/fairness/registry.ts';
import { checkFractions, type PriorityFractions } from '../admission/priority.ts';
import { shedRuleNames } from '../admission/shedding/registry.ts';
import { boolean, numeric, section } from './coerce.ts';
import { LIMIT_ALGORITHMS, type LimitParams } from './limit-params.ts';

const ms = () => numeric(z.number().nonnegative());
const positive = () => numeric(z.number().positive());
const count = () => numeric(z.int().positive());
const fraction = () => numeric(z.number().gt(0).lte(1));
const oneOf = (names: () => string[], what: string) =>
  z.string().refine((s) => names().includes(s), {
    error: (i) => `unknown ${what} "${String(i.input)}" (known: ${names().join(', ')})`,
  });

const prioritiesShape = {
  critical: fraction().default(1),
  standard: fraction().default(0.9),
  sheddable: fraction().default(0.7),
};
const sheddingShape = {
  rule: oneOf(shedRuleNames, 'shedding rule').default('linear'),
  start: numeric(z.number().min(0).max(1)).default(0.8),
};
const ingressShape = {
  /** The whole gateway: protects the process itself. */
  max_in_flight: count().default(8192),
  /**
   * When set, a group's cap is this × its engine count (unless the group sets max_in_flight). Unset (the
   * default), a group has no in-flight cap of its own: a number here would be a guess at what an upstream of
   * unknown capacity holds, and the gates that know (KV budget, busy, concurrency limit) bind on real engines.
   */
  max_in_flight_per_engine: count().optional(),
  kv_overcommit: positive().default(1.25),
  /** Per engine, when neither the engine's reports nor its load config say: 0 = unknown (KV gate open). */
  kv_capacity_blocks: numeric(z.int().nonnegative()).default(0),
  block_size: count().default(16),
  priorities: section(prioritiesShape),
  shedding: section(sheddingShape),
};
const routerShape = {
  max_queue: numeric(z.int().nonnegative()).default(1024),
  max_queue_tokens: count().default(4_000_000),
  ttft_budget_ms: positive().default(2000),
  /** Upper bound on x-spillway-ttft-budget-ms. */
  max_ttft_budget_ms: positive().default(60_000),
  kv_busy: fraction().default(0.9),
  prefill_busy_tokens: count().optional(),
  prefill_busy_fraction: fraction().default(0.125),
  retry_after_min_ms: ms().default(100),
  retry_after_max_ms: positive().default(30_000),
  drain_window_ms: positive().default(2000),
  /** Margin on the queue's wait estimate, in standard deviations (2.33: one-sided 99%). */
  wait_margin_sd: numeric(z.number().nonnegative()).default(2.33),
  status_interval_ms: positive().default(1000),
};
const limitShape = {
  algorithm: oneOf(() => [...LIMIT_ALGORITHMS], 'limit algorithm').default('gradient-slo'),
  /** A cautious start: the limit only grows when it is used, by √limit per window while latency holds. */
  initial: positive().default(16),
  min: positive().default(4),
  max: positive().default(2048),
  /** Default: the algorithm's own (gradient 1, gradient2 1.5). */
  tolerance: numeric(z.number().min(1)).optional(),
  smoothing: fraction().default(0.2),
  queue_size: z.union([z.literal('sqrt'), numeric(z.number().nonnegative())]).default('sqrt'),
  long_window: count().default(600),
  probe_multiplier: count().default(30),
  probe_interval: numeric(z.int().nonnegative()).default(1000),
  window_samples: count().default(10),
  window_min_ms: ms().default(100),
  /** slo: the share of requests whose own TTFT and TPOT the limit keeps within the SLOs (the SLA's 99 %). */
  quantile: numeric(z.number().gt(0).lt(1)).default(0.99),
};
const engineShape = {
  /** Default: the group's TTFT budget. */
  ttft_slo_ms: ms().optional(),
  /** ms per output token; 0 turns the check off. */
  itl_slo_ms: ms().default(200),
  slo_margin: positive().default(1),
  slo_window_ms: positive().default(2000),
  slo_min_samples: count().default(10),
  penalty_ms: ms().default(500),
  norm_tokens: positive().default(1024),
  limit: section(limitShape),
};
/** Tenants share each class by weight (docs/BACKPRESSURE.md, "Fairness"); one tenant alone: as without. */
const fairnessShape = {
  enabled: boolean().default(true),
  policy: oneOf(() => fairnessPolicyNames().filter((n) => n !== 'off'), 'fairness policy').default('weighted'),
};
const groupShape = {
  ttft_budget_ms: positive().optional(),
  ttft_slo_ms: ms().optional(),
  itl_slo_ms: ms().optional(),
  max_in_flight: count().optional(),
};

export const backpressureShape = {
  enabled: boolean().default(false),
  /** 503 (HTTP's "overloaded", what vLLM, SGLang and Dynamo send) or 429 for meshes that eject on 5xx. */
  reject_status: numeric(z.union([z.literal(503), z.literal(429)])).default(503),
  /** Honour x-spillway-status-events: 1 on streams. */
  status_events: boolean().default(true),
  ingress: section(ingressShape),
  router: section(routerShape),
  engine: section(engineShape),
  fairness: section(fairnessShape),
  groups: z.record(z.string(), section(groupShape)).default({}),
};

export const BackpressureSchema = section(backpressureShape);

/**
 * Every object of the section by its path under `spillway.backpressure` ('' is the section itself; `.*` marks
 * the entries of a record): the one list the "did you mean" keys and the admin PUT's patch
 * (./backpressure-patch.ts) are derived from.
 */
export const BACKPRESSURE_SHAPES: Readonly<Record<string, z.core.$ZodLooseShape>> = {
  '': backpressureShape,
  ingress: ingressShape,
  'ingress.priorities': prioritiesShape,
  'ingress.shedding': sheddingShape,
  router: routerShape,
  engine: engineShape,
  'engine.limit': limitShape,
  fairness: fairnessShape,
  'groups.*': groupShape,
};

export const BACKPRESSURE_KNOWN_KEYS: Record<string, readonly string[]> = Object.fromEntries(
  Object.entries(BACKPRESSURE_SHAPES)
    .filter(([path]) => !path.endsWith('.*'))
    .map(([path, shape]) => [
      path === '' ? 'spillway.backpressure' : `spillway.backpressure.${path}`,
      Object.keys(shape),
    ]),
);

/** Per model group: the settings a group may override, resolved. */
export interface GroupBackpressure {
  ttftBudgetMs: number;
  ttftSloMs: number;
  itlSloMs: number;
  /**
   * undefined: max_in_flight_per_engine × the group's engines, or no cap of the group's own
   * (src/admission/ingress-admission.ts groupInFlightCap).
   */
  maxInFlight?: number;
}

export interface BackpressureConfig {
  rejectStatus: 503 | 429;
  statusEvents: boolean;
  ingress: {
    maxInFlight: number;
    /** undefined: groups have no in-flight cap of their own unless they set one. */
    maxInFlightPerEngine: number | undefined;
    kvOvercommit: number;
    kvCapacityBlocks: number;
    blockSize: number;
    fractions: PriorityFractions;
    shedRule: string;
    shedStart: number;
  };
  router: {
    maxQueue: number;
    maxQueueTokens: number;
    maxTtftBudgetMs: number;
    kvBusy: number;
    prefillBusyTokens?: number;
    prefillBusyFraction: number;
    retryAfterMinMs: number;
    retryAfterMaxMs: number;
    drainWindowMs: number;
    waitMarginSd: number;
    statusIntervalMs: number;
  };
  engine: {
    sloMargin: number;
    sloWindowMs: number;
    sloMinSamples: number;
    penaltyMs: number;
    normTokens: number;
    limitAlgorithm: string;
    limit: LimitParams;
  };
  fairness: { enabled: boolean; policy: string };
  /** Defaults for groups without their own entry. */
  defaults: GroupBackpressure;
  groups: Record<string, GroupBackpressure>;
}

/** The normalised section, or undefined when back pressure is off. Problems go to `issues`. */
export function normalizeBackpressure(
  raw: z.output<typeof BackpressureSchema>,
  groupNames: readonly string[],
  issues: string[],
): BackpressureConfig | undefined {
  if (!raw.enabled) return undefined;
  const i = raw.ingress;
  const fractions: PriorityFractions = [i.priorities.critical, i.priorities.standard, i.priorities.sheddable];
  const bad = checkFractions(fractions);
  if (bad !== undefined) issues.push(`spillway.backpressure.ingress.priorities.${bad}`);
  const l = raw.engine.limit;
  if (l.min > l.max) issues.push(`spillway.backpressure.engine.limit.min: ${l.min} exceeds max ${l.max}`);
  const r = raw.router;
  if (r.retry_after_min_ms > r.retry_after_max_ms)
    issues.push(`spillway.backpressure.router.retry_after_min_ms: exceeds retry_after_max_ms`);
  const defaults: GroupBackpressure = {
    ttftBudgetMs: r.ttft_budget_ms,
    ttftSloMs: raw.engine.ttft_slo_ms ?? r.ttft_budget_ms,
    itlSloMs: raw.engine.itl_slo_ms,
  };
  const groups: Record<string, GroupBackpressure> = {};
  for (const [name, g] of Object.entries(raw.groups)) {
    if (!groupNames.includes(name))
      issues.push(
        `spillway.backpressure.groups.${name}: no model group of that name (known: ${groupNames.join(', ')})`,
      );
    const budget = g.ttft_budget_ms ?? defaults.ttftBudgetMs;
    groups[name] = {
      ttftBudgetMs: budget,
      ttftSloMs: g.ttft_slo_ms ?? raw.engine.ttft_slo_ms ?? budget,
      itlSloMs: g.itl_slo_ms ?? defaults.itlSloMs,
      maxInFlight: g.max_in_flight,
    };
  }
  return {
    rejectStatus: raw.reject_status as 503 | 429,
    statusEvents: raw.status_events,
    ingress: {
      maxInFlight: i.max_in_flight,
      maxInFlightPerEngine: i.max_in_flight_per_engine,
      kvOvercommit: i.kv_overcommit,
      kvCapacityBlocks: i.kv_capacity_blocks,
      blockSize: i.block_size,
      fractions,
      shedRule: i.shedding.rule,
      shedStart: i.shedding.start,
    },
    router: {
      maxQueue: r.max_queue,
      maxQueueTokens: r.max_queue_tokens,
      maxTtftBudgetMs: r.max_ttft_budget_ms,
      kvBusy: r.kv_busy,
      prefillBusyTokens: r.prefill_busy_tokens,
      prefillBusyFraction: r.prefill_busy_fraction,
      retryAfterMinMs: r.retry_after_min_ms,
      retryAfterMaxMs: r.retry_after_max_ms,
      drainWindowMs: r.drain_window_ms,
      waitMarginSd: r.wait_margin_sd,
      statusIntervalMs: r.status_interval_ms,
    },
    engine: {
      sloMargin: raw.engine.slo_margin,
      sloWindowMs: raw.engine.slo_window_ms,
      sloMinSamples: raw.engine.slo_min_samples,
      penaltyMs: raw.engine.penalty_ms,
      normTokens: raw.engine.norm_tokens,
      limitAlgorithm: l.algorithm,
      limit: {
        initial: l.initial,
        min: l.min,
        max: l.max,
        tolerance: l.tolerance,
        smoothing: l.smoothing,
        queueSize: l.queue_size,
        longWindow: l.long_window,
        probeMultiplier: l.probe_multiplier,
        probeInterval: l.probe_interval,
        windowSamples: l.window_samples,
        windowMinMs: l.window_min_ms,
        quantile: l.quantile,
      },
    },
    fairness: { enabled: raw.fairness.enabled, policy: raw.fairness.policy },
    defaults,
    groups,
  };
}

/** The defaults, as `backpressure: { enabled: true }` gives them (tests, benchmarks). */
export function defaultBackpressure(groupNames: readonly string[] = []): BackpressureConfig {
  return normalizeBackpressure(BackpressureSchema.parse({ enabled: true }), groupNames, [])!;
}
