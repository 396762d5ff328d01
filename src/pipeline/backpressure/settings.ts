/**
 * Run-time thresholds for GET/PUT /admin/backpressure. A PUT body is a partial of the YAML section (same
 * snake_case keys and ranges: src/config/backpressure-patch.ts derives its schema from the section's) restricted
 * to what can change live; it is validated whole, then applied whole as new frozen settings
 * (./live-settings.ts) that the next decision reads. Structure (enabled, the limit algorithm, engines, window
 * sizes) changes only with a restart.
 */

import { backpressureSection, patchBackpressure } from '../../config/backpressure-patch.ts';
import type { BackPressure } from './controller.ts';
import { buildSettings } from './live-settings.ts';

/** Validates and applies `body`; returns the problems (nothing applied) or [] (all applied). */
export function applySettings(bp: BackPressure, body: unknown): string[] {
  const names = [...bp.groups.keys()];
  const next = patchBackpressure(bp.config, body, names);
  if ('issues' in next) return next.issues;
  bp.settings.current = buildSettings(next.config, bp.groupShapes);
  return [];
}

/** The current thresholds (the PUT shape) and live state, for GET /admin/backpressure. */
export function snapshot(bp: BackPressure): unknown {
  return { settings: settingsInForce(bp), state: liveState(bp) };
}

/** Every key in force, as the YAML section would state it (a PUT takes all but the restart-only ones). */
export function settingsInForce(bp: BackPressure): unknown {
  return backpressureSection(bp.config);
}

/** In flight, queues, drain rates, KV budget inputs and each engine's state and limit, per group. */
export function liveState(bp: BackPressure): unknown {
  const c = bp.config;
  const now = bp.clock();
  return {
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
            // With non-streamed responses' end-to-end times as upper bounds of their TTFT.
            ttft_upper_ms: round(e.gate.ttft.upperMean()),
            itl_ms: round(e.gate.itl.mean()),
            kv_usage: e.load.kvUsage() ?? null,
            queued_prefill_tokens: e.load.queuedPrefillTokens(),
          })),
        },
      ]),
    ),
  };
}

function round(n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
}
