/**
 * Run-time thresholds for GET/PUT /admin/backpressure. A PUT body is a partial of the YAML section (same
 * snake_case keys) restricted to thresholds; it is validated whole, then applied whole, and the next request
 * decides on the new values. Structure (enabled, the limit algorithm, engines) changes only with a restart.
 */
import * as z from 'zod';
import { checkFractions, type PriorityFractions } from '../../admission/priority.ts';
import { createShedRule, shedRuleNames } from '../../admission/shedding/registry.ts';
import { groupInFlightCap } from '../../admission/ingress-admission.ts';
import type { GroupBackpressure } from '../../config/backpressure.ts';
import type { BackPressure } from './controller.ts';

const pos = () => z.number().positive();
const nonneg = () => z.number().nonnegative();
const frac = () => z.number().gt(0).lte(1);
const groupPatch = z.strictObject({ ttft_budget_ms: pos(), ttft_slo_ms: nonneg(), itl_slo_ms: nonneg(), max_in_flight: z.int().positive() }).partial();

const Patch = z.strictObject({
  reject_status: z.union([z.literal(503), z.literal(429)]),
  ingress: z
    .strictObject({
      max_in_flight: z.int().positive(),
      /** null: groups without their own max_in_flight get no cap of their own. */
      max_in_flight_per_engine: z.int().positive().nullable(),
      kv_overcommit: pos(),
      priorities: z.strictObject({ critical: frac(), standard: frac(), sheddable: frac() }).partial(),
      shedding: z.strictObject({ rule: z.enum(shedRuleNames() as [string, ...string[]]), start: z.number().min(0).max(1) }).partial(),
    })
    .partial(),
  router: z
    .strictObject({
      max_queue: z.int().nonnegative(),
      max_queue_tokens: z.int().positive(),
      ttft_budget_ms: pos(),
      kv_busy: frac(),
      prefill_busy_tokens: z.int().positive().nullable(),
      prefill_busy_fraction: frac(),
      retry_after_min_ms: nonneg(),
      retry_after_max_ms: pos(),
      wait_margin_sd: nonneg(),
    })
    .partial(),
  engine: z.strictObject({ ttft_slo_ms: nonneg(), itl_slo_ms: nonneg(), slo_margin: pos(), penalty_ms: nonneg(), norm_tokens: pos() }).partial(),
  groups: z.record(z.string(), groupPatch),
}).partial();

/** Validates and applies `body`; returns the problems (nothing applied) or [] (all applied). */
export function applySettings(bp: BackPressure, body: unknown): string[] {
  const parsed = Patch.safeParse(body);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  const p = parsed.data;
  const c = bp.config;
  const issues: string[] = [];
  const pr = p.ingress?.priorities;
  const fractions: PriorityFractions = [pr?.critical ?? c.ingress.fractions[0], pr?.standard ?? c.ingress.fractions[1], pr?.sheddable ?? c.ingress.fractions[2]];
  const bad = checkFractions(fractions);
  if (bad !== undefined) issues.push(`ingress.priorities.${bad}`);
  for (const name of Object.keys(p.groups ?? {})) if (!bp.groups.has(name)) issues.push(`groups.${name}: no model group of that name`);
  const minMs = p.router?.retry_after_min_ms ?? c.router.retryAfterMinMs;
  const maxMs = p.router?.retry_after_max_ms ?? c.router.retryAfterMaxMs;
  if (minMs > maxMs) issues.push('router.retry_after_min_ms: exceeds retry_after_max_ms');
  if (issues.length > 0) return issues;

  if (p.reject_status !== undefined) c.rejectStatus = p.reject_status;
  const i = p.ingress ?? {};
  c.ingress.maxInFlight = i.max_in_flight ?? c.ingress.maxInFlight;
  if (i.max_in_flight_per_engine !== undefined) c.ingress.maxInFlightPerEngine = i.max_in_flight_per_engine ?? undefined;
  c.ingress.kvOvercommit = i.kv_overcommit ?? c.ingress.kvOvercommit;
  c.ingress.fractions = fractions;
  c.ingress.shedRule = i.shedding?.rule ?? c.ingress.shedRule;
  c.ingress.shedStart = i.shedding?.start ?? c.ingress.shedStart;
  const r = p.router ?? {};
  c.router.maxQueue = r.max_queue ?? c.router.maxQueue;
  c.router.maxQueueTokens = r.max_queue_tokens ?? c.router.maxQueueTokens;
  c.router.kvBusy = r.kv_busy ?? c.router.kvBusy;
  if (r.prefill_busy_tokens !== undefined) c.router.prefillBusyTokens = r.prefill_busy_tokens ?? undefined;
  c.router.prefillBusyFraction = r.prefill_busy_fraction ?? c.router.prefillBusyFraction;
  c.router.retryAfterMinMs = minMs;
  c.router.retryAfterMaxMs = maxMs;
  c.router.waitMarginSd = r.wait_margin_sd ?? c.router.waitMarginSd;
  const e = p.engine ?? {};
  c.engine.sloMargin = e.slo_margin ?? c.engine.sloMargin;
  c.engine.penaltyMs = e.penalty_ms ?? c.engine.penaltyMs;
  c.engine.normTokens = e.norm_tokens ?? c.engine.normTokens;
  const d = c.defaults;
  if (r.ttft_budget_ms !== undefined) d.ttftBudgetMs = r.ttft_budget_ms;
  if (e.ttft_slo_ms !== undefined) d.ttftSloMs = e.ttft_slo_ms;
  if (e.itl_slo_ms !== undefined) d.itlSloMs = e.itl_slo_ms;
  for (const [name, g] of Object.entries(p.groups ?? {})) {
    const cur: GroupBackpressure = c.groups[name] ?? { ...d };
    c.groups[name] = {
      ttftBudgetMs: g.ttft_budget_ms ?? cur.ttftBudgetMs,
      ttftSloMs: g.ttft_slo_ms ?? cur.ttftSloMs,
      itlSloMs: g.itl_slo_ms ?? cur.itlSloMs,
      maxInFlight: g.max_in_flight ?? cur.maxInFlight,
    };
  }
  derive(bp);
  return [];
}

/** Pushes the config's values into the live objects that decide on them. */
function derive(bp: BackPressure): void {
  const c = bp.config;
  const s = bp.admission.settings;
  s.maxInFlight = c.ingress.maxInFlight;
  s.kvOvercommit = c.ingress.kvOvercommit;
  s.fractions = c.ingress.fractions;
  s.shed = createShedRule(c.ingress.shedRule, { start: c.ingress.shedStart });
  bp.busy.kvBusy = c.router.kvBusy;
  bp.busy.prefillBusyTokens = c.router.prefillBusyTokens;
  bp.busy.prefillBusyFraction = c.router.prefillBusyFraction;
  bp.retryBounds.minMs = c.router.retryAfterMinMs;
  bp.retryBounds.maxMs = c.router.retryAfterMaxMs;
  for (const [name, g] of bp.groups) {
    g.settings = c.groups[name] ?? c.defaults;
    g.admission.maxInFlight = groupInFlightCap(g.settings.maxInFlight, c.ingress.maxInFlightPerEngine, g.engines.length);
    g.room.queue.bounds = { maxRequests: c.router.maxQueue, maxTokens: c.router.maxQueueTokens };
    g.room.fractions = c.ingress.fractions;
    g.room.marginSd = c.router.waitMarginSd;
    for (const e of g.engines) {
      const slo = e.gate.breaker.settings;
      slo.ttftSloMs = g.settings.ttftSloMs;
      slo.itlSloMs = g.settings.itlSloMs;
      slo.margin = c.engine.sloMargin;
      e.gate.normTokens = c.engine.normTokens;
    }
  }
}

/** The current thresholds (the PUT shape) and live state, for GET /admin/backpressure. */
export function snapshot(bp: BackPressure): unknown {
  const c = bp.config;
  const now = bp.clock();
  const group = (g: GroupBackpressure) => ({ ttft_budget_ms: g.ttftBudgetMs, ttft_slo_ms: g.ttftSloMs, itl_slo_ms: g.itlSloMs, max_in_flight: g.maxInFlight ?? null });
  return {
    settings: {
      reject_status: c.rejectStatus,
      ingress: {
        max_in_flight: c.ingress.maxInFlight,
        max_in_flight_per_engine: c.ingress.maxInFlightPerEngine ?? null,
        kv_overcommit: c.ingress.kvOvercommit,
        priorities: { critical: c.ingress.fractions[0], standard: c.ingress.fractions[1], sheddable: c.ingress.fractions[2] },
        shedding: { rule: c.ingress.shedRule, start: c.ingress.shedStart },
      },
      router: {
        max_queue: c.router.maxQueue,
        max_queue_tokens: c.router.maxQueueTokens,
        ttft_budget_ms: c.defaults.ttftBudgetMs,
        kv_busy: c.router.kvBusy,
        prefill_busy_tokens: c.router.prefillBusyTokens ?? null,
        prefill_busy_fraction: c.router.prefillBusyFraction,
        retry_after_min_ms: c.router.retryAfterMinMs,
        retry_after_max_ms: c.router.retryAfterMaxMs,
        wait_margin_sd: c.router.waitMarginSd,
      },
      engine: {
        ttft_slo_ms: c.defaults.ttftSloMs,
        itl_slo_ms: c.defaults.itlSloMs,
        slo_margin: c.engine.sloMargin,
        penalty_ms: c.engine.penaltyMs,
        norm_tokens: c.engine.normTokens,
        limit_algorithm: c.engine.limitAlgorithm,
      },
      groups: Object.fromEntries(Object.entries(c.groups).map(([n, g]) => [n, group(g)])),
    },
    state: {
      in_flight: bp.admission.inFlight,
      groups: Object.fromEntries(
        [...bp.groups].map(([name, g]) => [
          name,
          {
            in_flight: g.admission.inFlight,
            in_flight_limit: round(g.admission.maxInFlight),
            queued: g.room.size,
            queued_tokens: g.room.queue.tokens,
            drain_rate_per_s: round(g.drainRate.perMs() * 1000),
            kv_blocks: { in_flight: round(bp.inFlightBlocks(name)), capacity: bp.capacityBlocks(name) },
            engines: g.engines.map((e) => ({
              id: e.deployment.id,
              state: e.state(now, bp.busy, c.ingress.fractions[1]),
              in_flight: e.gate.inFlight,
              concurrency_limit: round(e.gate.limit.limit),
              ttft_ms: round(e.gate.ttft.mean()),
              itl_ms: round(e.gate.itl.mean()),
              kv_usage: e.load.kvUsage() ?? null,
              queued_prefill_tokens: e.load.queuedPrefillTokens(),
            })),
          },
        ]),
      ),
    },
  };
}

function round(n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
}
