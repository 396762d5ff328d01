// Synthetic snapshots in the shape of the /ui contract, for the page's browser tests: a fleet of any size whose
// refusals and queues follow the offered multiple of capacity (nothing refused or queued at 1× and below).
import type { EngineView, GroupView, LoadState, UiHistory, UiSnapshot } from '../../src/ops/ui/types.ts';

export interface FleetShape {
  groups: number;
  engines: number;
}

const STATES = ['ok', 'busy', 'slow', 'penalty', 'cooldown'] as const;
const CODES = ['router_deadline', 'ingress_kv_budget', 'engine_itl_slo'];

/** Group names as long as real ones get, so the layout test sees realistic widths. */
export const groupName = (g: number) => `llama-3.1-70b-instruct-${String(g).padStart(2, '0')}`;
export const engineId = (e: number) => `vllm-${String(e).padStart(2, '0')}.pool-b.internal:8000`;

export function snapshot(shape: FleetShape, t: number, load: LoadState | null): UiSnapshot {
  const multiple = load?.multiple ?? 1;
  const excess = Math.max(0, multiple - 1);
  const groups: GroupView[] = [];
  for (let g = 0; g < shape.groups; g++) {
    groups.push({
      name: groupName(g),
      sla: { ttftMs: 800, itlMs: 60 },
      inFlight: 12 + (g % 5),
      inFlightLimit: 256,
      admittedPerS: 40 + g,
      refusedPerS: excess ? Object.fromEntries(CODES.map((c, k) => [c, excess * (30 + 10 * k)])) : {},
      queueDepth: { critical: excess ? 2 : 0, standard: Math.round(excess * 12), sheddable: Math.round(excess * 30) },
      queueBound: 1024,
      drainPerS: 41.5 + g,
      goodputPerS: 39 + g,
      attainment: excess ? 0.985 : 0.999,
      kvBlocks: { inFlight: 1200 + 37 * g, capacity: 16384 },
    });
  }
  const engines: EngineView[] = [];
  for (let e = 0; e < shape.engines; e++) {
    engines.push({
      id: engineId(e),
      group: groupName(e % shape.groups),
      state: STATES[e % STATES.length],
      inFlight: 10 + (e % 7),
      limit: 16 + (e % 4),
      kvPredicted: ((e * 7) % 100) / 100,
      kvReported: ((e * 7 + 5) % 100) / 100,
      running: 9 + (e % 6),
      waiting: e % 3,
      ttftMs: { p50: 210.4 + e, p99: 790 + 3 * e },
      itlMs: { p50: 31.2, p99: 58 + (e % 5) },
      penalty: e % 11 === 0,
      breaker: e % 13 === 0 ? 'open' : e % 17 === 0 ? 'probing' : 'closed',
    });
  }
  engines.sort((a, b) => a.group.localeCompare(b.group));
  return { t, backpressure: true, load, groups, engines };
}

/** The last `seconds` of a steady fleet at 1×, one point a second, oldest first. */
export function history(shape: FleetShape, now: number, seconds: number, load: LoadState | null): UiHistory {
  const points: UiSnapshot[] = [];
  for (let s = seconds; s > 0; s--) points.push(snapshot(shape, now - s * 1000, load));
  return { stepMs: 1000, points };
}
