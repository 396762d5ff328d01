/**
 * Level 2's "busy": an engine takes no new request while, on its reconciled load (src/load/engine-load.ts),
 *
 *   kv_usage ≥ kv_busy                         (KV blocks in use / KV capacity)
 *   or queued_prefill_tokens ≥ prefill_busy_tokens
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

export function busyReason(load: BusySignals, t: BusyThresholds): BusyReason | undefined {
  const kv = load.kvUsage();
  if (kv !== undefined && kv >= t.kvBusy) return 'kv';
  if (load.queuedPrefillTokens() >= prefillBusyTokens(load, t)) return 'prefill';
  return undefined;
}
