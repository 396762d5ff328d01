/**
 * Level 2's "busy": an engine takes no new request of a class with fraction f (src/admission/priority.ts)
 * while, on its reconciled load (src/load/engine-load.ts),
 *
 *   kv_usage ≥ f · kv_busy                         (KV blocks in use / KV capacity)
 *   or queued_prefill_tokens ≥ f · prefill_busy_tokens
 *
 * so, as for every limit, the top of each threshold is left to the classes above (critical: f = 1).
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

export function prefillBusyTokens(load: BusySignals, t: BusyThresholds): number {
  if (t.prefillBusyTokens !== undefined) return t.prefillBusyTokens;
  const blocks = load.kvBlocksTotal;
  return blocks ? t.prefillBusyFraction * blocks * load.blockSize : Infinity;
}

export function busyReason(load: BusySignals, t: BusyThresholds, f = 1): BusyReason | undefined {
  const kv = load.kvUsage();
  if (kv !== undefined && kv >= f * t.kvBusy) return 'kv';
  if (load.queuedPrefillTokens() >= f * prefillBusyTokens(load, t)) return 'prefill';
  return undefined;
}
