/**
 * The single-process cluster: nobody else counts. Others' load rows are zeros, events go nowhere, and each
 * deployment's counters are this process's own (LocalCounters), so the gateway does what it did alone.
 */
import { type Clock, monotonicMs } from '../util/clock.ts';
import { LocalCounters } from './local-counters.ts';
import type { ClusterEvents, ClusterState, LoadRow, LoadShare, QuotaShare } from './types.ts';

/** The others' load when there are none: what an EngineLoad outside any cluster adds to its own. */
export const ZERO_ROW: Readonly<LoadRow> = Object.freeze({ inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 });

class SoloLoad implements LoadShare {
  others: readonly Readonly<LoadRow>[] = [];

  attach(own: readonly Readonly<LoadRow>[]): void {
    this.others = own.map(() => ZERO_ROW);
  }

  changed(_i: number): void {}
}

function ignore(): void {}

export const SOLO_EVENTS: ClusterEvents = { cooldown: ignore, penalty: ignore, onCooldown: ignore, onPenalty: ignore };

/** A solo cluster whose rpm/tpm windows run on `clock` (the gateway's; tests inject theirs). */
export function soloCluster(clock: Clock): ClusterState {
  const quotas: QuotaShare = { counters: () => new LocalCounters(clock) };
  return {
    kind: 'solo',
    load: new SoloLoad(),
    quotas,
    events: SOLO_EVENTS,
    instances: () => 1,
    start: async () => {},
    stop: async () => {},
  };
}

export const SOLO_CLUSTER: ClusterState = soloCluster(monotonicMs);
