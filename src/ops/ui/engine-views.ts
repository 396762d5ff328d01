/**
 * Per engine, what the operator page shows: read from back pressure's engine slot (gate, load, breaker) when it
 * is on, else from the deployment and its load model, if any. Off the request path: read by the page's timer.
 */
import type { EngineLoad } from '../../load/engine-load.ts';
import type { BackPressure } from '../../pipeline/backpressure/controller.ts';
import type { EngineSlot } from '../../pipeline/backpressure/engines.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { RatioQuantile } from '../../util/ratio-quantile.ts';
import type { BreakerState, EngineView } from './types.ts';

/** Two decimals, and null for what is not a finite number. */
export function num(n: number | undefined): number | null {
  return n !== undefined && Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
}

function quantiles(q: RatioQuantile): { p50: number | null; p99: number | null } {
  return { p50: num(q.quantile(0.5)), p99: num(q.quantile(0.99)) };
}

const NO_QUANTILES = { p50: null, p99: null };

/** The engine's own figures: predicted KV share, its last report's KV share, running and waiting. */
function loadFigures(load: EngineLoad | undefined) {
  const total = load?.kvBlocksTotal;
  const r = load?.lastReport;
  const reported =
    r === undefined
      ? undefined
      : (r.kvUsage ?? (r.kvBlocksUsed !== undefined && total ? r.kvBlocksUsed / total : undefined));
  return {
    kvPredicted: load !== undefined && total ? num(load.predictedKvBlocks() / total) : null,
    kvReported: num(reported),
    running: num(r?.running),
    waiting: num(r?.waiting),
  };
}

/**
 * The SLO breaker by class (src/engine-admission/slo-breaker.ts has no probes; it sheds by class): `closed`
 * while every class is admitted, `open` once even critical requests are refused, `probing` in between, while
 * it sheds the lower classes only.
 */
function breakerState(bp: BackPressure, slot: EngineSlot, now: number): BreakerState {
  const r = slot.gate.breaker.pressure(now);
  const f = bp.admission.settings.fractions;
  if (r <= f[2]) return 'closed';
  return r > f[0] ? 'open' : 'probing';
}

export function engineView(bp: BackPressure, group: string, slot: EngineSlot, now: number): EngineView {
  const gate = slot.gate;
  return {
    id: slot.deployment.id,
    group,
    state: bp.engineState(slot, now),
    inFlight: gate.inFlight,
    limit: num(gate.limit.limit),
    ...loadFigures(slot.load),
    ttftMs: quantiles(gate.ttftQuantiles),
    itlMs: quantiles(gate.itlQuantiles),
    penalty: now < gate.penaltyUntil,
    breaker: breakerState(bp, slot, now),
  };
}

/** Without back pressure: the deployment's own count and cooldown, and its load model when one is kept. */
export function plainEngineView(group: string, d: Deployment): EngineView {
  return {
    id: d.id,
    group,
    state: d.isCoolingDown() ? 'cooldown' : 'ok',
    inFlight: d.inFlight,
    limit: null,
    ...loadFigures(d.load),
    ttftMs: NO_QUANTILES,
    itlMs: NO_QUANTILES,
    penalty: false,
    breaker: 'closed',
  };
}
