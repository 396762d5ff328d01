/**
 * The one definition of a busy engine: it takes no new request while, on its reconciled load
 * (./engine-load.ts),
 *
 *   kv_usage ≥ kv_busy                         (KV blocks in use / KV capacity)
 *   or queued_prefill_tokens ≥ prefill_busy    (prompt tokens dispatched, first token not yet seen)
 *
 * Two callers set the thresholds. An engine's own `busy_kv_usage` (EngineLoad.isBusy: kv only) is what the
 * load-aware strategies filter on. Back pressure's level 2 (busyReason) scales both thresholds by the class
 * fraction f (src/admission/priority.ts), so, as for every limit, the top of each is left to the classes
 * above (critical: f = 1).
 *
 * kv_busy (default 0.9) keeps headroom for the outputs of what is already running, so the engine does not
 * preempt; prefill_busy_tokens bounds the prompt work waiting in the engine, which is what a new request's
 * first token waits behind. Its default is derived from the engine's capacity,
 * prefill_busy_fraction (default 0.125) × capacity in tokens, and the check is off while capacity is unknown.
 * When every engine is busy the request waits in the router queue, where deadlines and priorities apply,
 * instead of in an engine's queue, where they do not.
 */

/** What the check reads; EngineLoad provides it. */
export interface BusySignals {
  kvUsage(): number | undefined;
  queuedPrefillTokens(): number;
  readonly kvBlocksTotal: number | undefined;
  readonly blockSize: number;
}

export interface BusyThresholds {
  kvBusy: number;
  /** Absolute; undefined derives it from capacity. */
  prefillBusyTokens: number | undefined;
  prefillBusyFraction: number;
}

export type BusyReason = 'kv' | 'prefill';

/** Why the engine is busy at these thresholds, or undefined; an Infinity threshold is not read at all. */
export function busyAt(load: BusySignals, kvBusy: number, prefillBusy: number): BusyReason | undefined {
  if (kvBusy !== Infinity) {
    const kv = load.kvUsage();
    if (kv !== undefined && kv >= kvBusy) return 'kv';
  }
  if (prefillBusy !== Infinity && load.queuedPrefillTokens() >= prefillBusy) return 'prefill';
  return undefined;
}

export function prefillBusyTokens(load: BusySignals, t: BusyThresholds): number {
  if (t.prefillBusyTokens !== undefined) return t.prefillBusyTokens;
  const blocks = load.kvBlocksTotal;
  return blocks ? t.prefillBusyFraction * blocks * load.blockSize : Infinity;
}

/**
 * Back pressure's level 2: busy for a class with fraction f < 1 at f of each threshold, and at least
 * `reserveTokens` under it (room kept for one request of the classes above, whatever the fraction leaves).
 * A reserve as large as a threshold leaves the class only an engine with none of that load (one token's worth).
 */
export function busyReason(load: BusySignals, t: BusyThresholds, f = 1, reserveTokens = 0): BusyReason | undefined {
  const prefill = prefillBusyTokens(load, t);
  if (f >= 1) return busyAt(load, t.kvBusy, prefill);
  const capacity = (load.kvBlocksTotal ?? 0) * load.blockSize;
  const kv = capacity > 0 ? Math.max(t.kvBusy - reserveTokens / capacity, 1 / capacity) : t.kvBusy;
  return busyAt(load, Math.min(f * t.kvBusy, kv), Math.min(f * prefill, Math.max(prefill - reserveTokens, 1)));
}
