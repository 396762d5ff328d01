import type { LoadRow } from '../types.ts';
import type { RedisCounters } from './quota.ts';

/**
 * One instance's state as the others read it, one Redis string per instance (written every round it changed,
 * kept alive by the member TTL): `seq at rows v...` with the engines' rows (in flight, queued prefill, active
 * tokens, in FleetLoad's order) then each deployment's in flight, in config order. Instances of one cluster
 * run the same model_list, so positions agree. A snapshot, not a delta: a lost or late write is healed by the
 * next one, and a reader that missed some simply reads the latest.
 */
export const ROW_FIELDS = 3;

/** The values part, compared with the last one written to know whether anything changed. */
export function snapshotValues(rows: readonly Readonly<LoadRow>[], counters: readonly RedisCounters[]): string {
  let s = `${rows.length} `;
  for (const r of rows) s += `${r.inFlight} ${r.queuedPrefillTokens} ${r.activeTokens} `;
  for (const c of counters) s += `${c.ownInFlight} `;
  return s;
}

export interface ParsedSnapshot {
  seq: number;
  /** Wall ms of the oldest change it carries (0: a rewrite with nothing new). */
  at: number;
  /** Engine rows in `values` (ROW_FIELDS each); the deployments' in flight follow them. */
  rows: number;
  values: number[];
}

export function parseSnapshot(raw: string): ParsedSnapshot | undefined {
  const parts = raw.trim().split(' ');
  if (parts.length < 3) return undefined;
  const values = parts.slice(3).map(Number);
  const rows = Number(parts[2]);
  if (!Number.isInteger(rows) || rows * ROW_FIELDS > values.length || values.some((v) => !Number.isFinite(v)))
    return undefined;
  return { seq: Number(parts[0]), at: Number(parts[1]), rows, values };
}
