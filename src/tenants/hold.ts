import type { TenantCounters } from './counters.ts';

/**
 * A request's hold on its key's and team's counters, from the tenant gate's admission to the request's end:
 * one in flight for max_parallel_requests while `admitted`. A refused request has a hold too (not admitted),
 * so its refusal is counted under its tenant. Ended exactly once, by the gate's `release`.
 */
export class TenantHold {
  readonly key: TenantCounters;
  readonly team: TenantCounters | undefined;
  admitted = false;

  constructor(key: TenantCounters, team: TenantCounters | undefined) {
    this.key = key;
    this.team = team;
  }

  /** Takes the slot: in flight +1 and one request in the rpm minute, for the key and its team. */
  admit(): void {
    this.admitted = true;
    this.key.inFlight++;
    this.key.requests.add(1);
    if (this.team !== undefined) {
      this.team.inFlight++;
      this.team.requests.add(1);
    }
  }

  end(): asserts this is never {
    if (!this.admitted) return;
    this.key.inFlight--;
    if (this.team !== undefined) this.team.inFlight--;
  }
}
