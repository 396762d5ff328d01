import type { LoadRow } from '../types.ts';
import type { RedisCounters } from './quota.ts';
import { type ParsedSnapshot, parseSnapshot, ROW_FIELDS } from './snapshot.ts';

interface Peer {
  raw: string;
  rows: number;
  values: number[];
}

/**
 * The other live instances' last snapshots, summed into the load share's `others` and each deployment's
 * `othersInFlight` by difference (old values out, new in), so a round costs what changed, and a peer that
 * leaves or dies takes exactly its rows with it.
 */
export class Peers {
  private readonly byId = new Map<string, Peer>();
  private readonly others: LoadRow[];
  private readonly counters: readonly RedisCounters[];
  /** Called with (wall ms now − the snapshot's oldest change) for each new snapshot read. */
  private readonly onStaleness: (ms: number) => void;
  private readonly wall: () => number;

  constructor(
    others: LoadRow[],
    counters: readonly RedisCounters[],
    wall: () => number,
    onStaleness: (ms: number) => void,
  ) {
    this.others = others;
    this.counters = counters;
    this.wall = wall;
    this.onStaleness = onStaleness;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** A peer's snapshot as read this round; a peer not known yet joins. */
  read(id: string, raw: string): void {
    const peer = this.byId.get(id);
    if (peer !== undefined && peer.raw === raw) return;
    const parsed = parseSnapshot(raw);
    if (parsed === undefined) return;
    if (peer !== undefined) this.add(peer, -1);
    this.add(parsed, 1);
    this.byId.set(id, { raw, rows: parsed.rows, values: parsed.values });
    this.sampleStaleness(parsed, peer === undefined);
  }

  /** A peer gone (left, or silent past the member TTL): its rows and in flight stop counting. */
  drop(id: string): void {
    const peer = this.byId.get(id);
    if (peer === undefined) return;
    this.add(peer, -1);
    this.byId.delete(id);
  }

  /** Rows past the engines this instance attached are ignored (attach comes before start). */
  private add({ rows, values }: { rows: number; values: readonly number[] }, sign: 1 | -1): void {
    const n = Math.min(this.others.length, rows);
    for (let i = 0; i < n; i++) {
      const o = this.others[i];
      o.inFlight += sign * values[i * ROW_FIELDS];
      o.queuedPrefillTokens += sign * values[i * ROW_FIELDS + 1];
      o.activeTokens += sign * values[i * ROW_FIELDS + 2];
    }
    const base = rows * ROW_FIELDS;
    for (let d = 0; d < this.counters.length && base + d < values.length; d++)
      this.counters[d].othersInFlight += sign * values[base + d];
  }

  private sampleStaleness(s: ParsedSnapshot, first: boolean): void {
    if (!first && s.at > 0) this.onStaleness(Math.max(0, this.wall() - s.at));
  }
}
