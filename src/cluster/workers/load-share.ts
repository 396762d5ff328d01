/**
 * The engines' load across the workers of one process (./shared-memory.ts). Each worker writes its own rows
 * as they change (`changed`: three stores, no lock, one writer per row); `others[i]` sums the other workers'
 * rows for engine i when read. Reads are exact up to the stores in flight on other cores (nanoseconds), and
 * allocate nothing: each `others[i]` is one object whose getters read the memory.
 */
import type { LoadRow, LoadShare } from '../types.ts';
import { LOAD_FIELDS, type SharedMemory } from './shared-memory.ts';

class OthersRow implements Readonly<LoadRow> {
  private readonly load: Float64Array;
  private readonly cells: readonly number[];

  /** `cells`: where engine i's row starts in every other worker's rows. */
  constructor(load: Float64Array, cells: readonly number[]) {
    this.load = load;
    this.cells = cells;
  }

  get inFlight(): number {
    return this.sum(0);
  }

  get queuedPrefillTokens(): number {
    return this.sum(1);
  }

  get activeTokens(): number {
    return this.sum(2);
  }

  private sum(field: number): number {
    let n = 0;
    for (const c of this.cells) n += this.load[c + field]!;
    return n;
  }
}

export class SharedLoad implements LoadShare {
  readonly others: readonly Readonly<LoadRow>[];
  private readonly load: Float64Array;
  private readonly ownBase: number;
  private own: readonly Readonly<LoadRow>[] = [];

  constructor(memory: SharedMemory, worker: number) {
    const d = memory.deployments;
    this.load = memory.load;
    this.ownBase = worker * d * LOAD_FIELDS;
    const others: OthersRow[] = [];
    for (let i = 0; i < d; i++) {
      const cells: number[] = [];
      for (let w = 0; w < memory.workers; w++) if (w !== worker) cells.push((w * d + i) * LOAD_FIELDS);
      others.push(new OthersRow(memory.load, cells));
    }
    this.others = others;
  }

  attach(own: readonly Readonly<LoadRow>[]): void {
    this.own = own;
  }

  changed(i: number): void {
    const row = this.own[i]!;
    const at = this.ownBase + i * LOAD_FIELDS;
    const load = this.load;
    load[at] = row.inFlight;
    load[at + 1] = row.queuedPrefillTokens;
    load[at + 2] = row.activeTokens;
  }
}
