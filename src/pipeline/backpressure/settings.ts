/**
 * Run-time thresholds for GET/PUT /admin/backpressure. A PUT body is a partial of the YAML section (same
 * snake_case keys and ranges: src/config/backpressure-patch.ts derives its schema from the section's) restricted
 * to what can change live; it is validated whole, then applied whole as new frozen settings
 * (./live-settings.ts) that the next decision reads. Structure (enabled, the limit algorithm, engines, window
 * sizes) changes only with a restart.
 */

import type { GroupBackpressure } from '../../config/backpressure.ts';
import { patchBackpressure } from '../../config/backpressure-patch.ts';
import type { DeepReadonly } from '../../util/ref.ts';
import type { BackPressure } from './controller.ts';
import { buildSettings } from './live-settings.ts';

/** Validates and applies `body`; returns the problems (nothing applied) or [] (all applied). */
export function applySettings(bp: BackPressure, body: unknown): string[] {
  const names = [...bp.groups.keys()];
  const next = patchBackpressure(bp.config, body, names);
  if ('issues' in next) return next.issues;
  const groups = [...bp.groups.values()].map((g) => ({ name: g.name, engines: g.engines.length }));
  bp.settings.current = buildSettings(next.config, groups);
  return [];
}

/** The current thresholds (the PUT shape) and live state, for GET /admin/backpressure. */
export function snapshot(bp: BackPressure): unknown {
  const c = bp.config;
  const now = bp.clock();
  const group = (g: DeepReadonly<GroupBackpressure>) => ({
    ttft_budget_ms: g.ttftBudgetMs,
    ttft_slo_ms: g.ttftSloMs,
    itl_slo_ms: g.itlSloMs,
    max_in_flight: g.maxInFlight ?? null,
  });
  return {
    settings: {
      reject_status: c.rejectStatus,
      ingress: {
        max_in_flight: c.ingress.maxInFlight,
        max_in_flight_per_engine: c.ingress.maxInFlightPerEngine ?? null,
        kv_overcommit: c.ingress.kvOvercommit,
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
