/**
 * One key's or one team's counters on this instance, kept by the tenant gate on the key's hash or the team's id
 * so they outlive the Tenant object (a key update replaces it): what its limits are judged on, and the usage not
 * yet flushed to the store.
 */
import type { Clock } from '../util/clock.ts';
import { FixedWindowCounter } from '../util/fixed-window.ts';
import type { TenantLabel } from './tenant-metrics.ts';

export class TenantCounters {
  /** Requests admitted and not finished (max_parallel_requests). */
  inFlight = 0;
  /** Requests admitted in the current minute (rpm). */
  readonly requests: FixedWindowCounter;
  /** Tokens of the responses that ended in the current minute (tpm). */
  readonly tokens: FixedWindowCounter;
  /** Usage not yet flushed (a key's only: a team's is flushed with its keys' deltas). */
  pendingRequests = 0;
  pendingPromptTokens = 0;
  pendingCompletionTokens = 0;
  pendingSpend = 0;
  /**
   * Spend flushed since the stored spend was last read: the store has it, the cached figure may not yet. Cleared
   * when a new KeyInfo/TeamInfo (a fresh read from the store) is seen.
   */
  private sentSpend = 0;
  private seen: object | undefined = undefined;
  /** The key's team, for its usage delta. */
  teamId: string | undefined = undefined;
  /** Its Prometheus series (bounded: ./tenant-metrics.ts). */
  label: TenantLabel;

  constructor(clock: Clock, label: TenantLabel) {
    this.requests = new FixedWindowCounter(clock);
    this.tokens = new FixedWindowCounter(clock);
    this.label = label;
  }

  /** Spend this instance knows of that `info.spend` (the stored figure it was read with) does not include yet. */
  spendOnTop(info: object): number {
    if (info !== this.seen) {
      this.seen = info;
      this.sentSpend = 0;
    }
    return this.pendingSpend + this.sentSpend;
  }

  /** A flush took the pending usage: its spend is now the store's, until the next read shows it. */
  flushed(): void {
    this.sentSpend += this.pendingSpend;
    this.pendingRequests = 0;
    this.pendingPromptTokens = 0;
    this.pendingCompletionTokens = 0;
    this.pendingSpend = 0;
  }

  /** A flush failed: its usage is pending again, added to what came since. */
  restore(requests: number, prompt: number, completion: number, spend: number): void {
    this.pendingRequests += requests;
    this.pendingPromptTokens += prompt;
    this.pendingCompletionTokens += completion;
    this.pendingSpend += spend;
    this.sentSpend = Math.max(0, this.sentSpend - spend);
  }

  hasPending(): boolean {
    return this.pendingRequests > 0 || this.pendingSpend > 0 || this.pendingPromptTokens > 0;
  }
}
