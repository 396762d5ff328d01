import { clockMinute, msToNextClockMinute } from '../../util/fixed-window.ts';
import type { DeploymentCounters, QuotaShare } from '../types.ts';
import type { ClusterLink } from './link.ts';
import { shareOf } from './link.ts';

/** One deployment's limits, for the split of what is left of them near the end (and nothing else). */
export interface DeploymentLimits {
  id: string;
  rpm?: number;
  tpm?: number;
  maxParallelRequests?: number;
}

/**
 * One deployment's counters as the cluster holds them, read synchronously on the request path and never
 * waiting on Redis. The window's totals are what Redis answered at the last round (own flushed work
 * included) plus this instance's work since; the others' in flight is the sum of their last snapshots.
 *
 * rpm is exact: an instance takes requests only from an allowance Redis granted it (./lease.ts), and the
 * grants never sum past the limit. Each round tops its allowance up (or down) to a fair share of what is left,
 * so a busy instance is never short far from the limit. In flight cannot be leased from a window (it is
 * given back), so there an instance takes at most its share of what the last round left (./link.ts), which
 * bounds the overshoot to what the instances read within one round of each other. tpm is counted after the
 * response, so it overshoots by the tokens of the responses in flight when it is reached, as in one process.
 *
 * Fallback (Redis gone or slow): in flight counts own × n, the window's counts the larger of (last known
 * totals + own since) and own window total × n, so each instance holds to limit / n.
 */
export class RedisCounters implements DeploymentCounters {
  readonly limits: DeploymentLimits;
  private readonly link: ClusterLink;
  /** Clock minute the counts belong to (rpm and tpm count per clock minute on every instance). */
  window = -1;
  /** Totals Redis answered at the last round, own flushed counts included. */
  globalRequests = 0;
  globalTokens = 0;
  /** Own counts flushed by the round in progress (no answer yet), and those not flushed yet. */
  sendingRequests = 0;
  sendingTokens = 0;
  pendingRequests = 0;
  pendingTokens = 0;
  /** Own counts this window: fallback's local share, and what is counted again after Redis lost its data. */
  ownWindowRequests = 0;
  ownWindowTokens = 0;
  ownInFlight = 0;
  /** The other live instances' in flight, from their snapshots. */
  othersInFlight = 0;
  private ownInFlightAtRound = 0;
  /** Requests Redis granted this instance and it has not taken yet (rpm only). */
  allowance = 0;
  /** The allowance the round in progress reported (its grant replaces it). */
  private allowanceSent = 0;
  private shareInFlight = Number.POSITIVE_INFINITY;

  constructor(limits: DeploymentLimits, link: ClusterLink) {
    this.limits = limits;
    this.link = link;
  }

  inFlight(): number {
    const own = this.ownInFlight;
    if (!this.link.shared) return own * this.link.instances;
    const seen = this.othersInFlight + own;
    if (own - this.ownInFlightAtRound < this.shareInFlight) return seen;
    return Math.max(seen, this.limits.maxParallelRequests ?? seen);
  }

  requests(): number {
    this.roll();
    const own = this.sendingRequests + this.pendingRequests;
    const seen = this.globalRequests + own;
    if (!this.link.shared) return Math.max(seen, this.ownWindowRequests * this.link.instances);
    const rpm = this.limits.rpm;
    return rpm === undefined || this.allowance > 0 ? seen : Math.max(seen, rpm);
  }

  tokens(): number {
    this.roll();
    const seen = this.globalTokens + this.sendingTokens + this.pendingTokens;
    return this.link.shared ? seen : Math.max(seen, this.ownWindowTokens * this.link.instances);
  }

  msUntilReset(): number {
    return msToNextClockMinute(this.link.wall());
  }

  hold(): void {
    this.roll();
    this.ownInFlight++;
    this.allowance--;
    this.pendingRequests++;
    this.ownWindowRequests++;
  }

  giveBack(tokens: number): void {
    if (this.ownInFlight > 0) this.ownInFlight--;
    if (tokens <= 0) return;
    this.roll();
    this.pendingTokens += tokens;
    this.ownWindowTokens += tokens;
  }

  /**
   * A new clock minute starts the counts from zero; unflushed counts of the last one are dropped with it. Until
   * its first round in the window an instance may take limit / (2n − 1), which n instances never sum past.
   */
  private roll(): void {
    const w = clockMinute(this.link.wall());
    if (w === this.window) return;
    this.window = w;
    this.globalRequests = this.globalTokens = 0;
    this.sendingRequests = this.sendingTokens = this.pendingRequests = this.pendingTokens = 0;
    this.ownWindowRequests = this.ownWindowTokens = 0;
    this.allowance = Math.floor((this.limits.rpm ?? 0) / (2 * this.link.instances - 1));
  }

  // --- the sync loop's side (./sync.ts) ---

  /** The round about to be sent takes the pending counts and the allowance left; returns their window. */
  beginRound(): number {
    this.roll();
    this.allowanceSent = Math.max(0, this.allowance);
    this.sendingRequests = this.pendingRequests;
    this.sendingTokens = this.pendingTokens;
    this.pendingRequests = this.pendingTokens = 0;
    return this.window;
  }

  /**
   * Redis's totals for `window` after adding this round's counts, and the allowance it now holds for this
   * instance in place of the one sent (what was taken meanwhile stays taken); a new split of in flight.
   */
  endRound(window: number, requests: number, tokens: number, allowance: number): void {
    if (window === this.window) {
      this.globalRequests = requests;
      this.globalTokens = tokens;
      this.sendingRequests = this.sendingTokens = 0;
      if (allowance >= 0) this.allowance = Math.max(0, this.allowance) + allowance - this.allowanceSent;
    }
    const parallel = this.limits.maxParallelRequests;
    this.ownInFlightAtRound = this.ownInFlight;
    this.shareInFlight =
      parallel === undefined
        ? Number.POSITIVE_INFINITY
        : shareOf(parallel - this.othersInFlight - this.ownInFlight, this.link);
  }

  /** The round failed: its counts go back to pending, to be flushed by the next one. */
  roundFailed(window: number): void {
    if (window !== this.window) return;
    this.pendingRequests += this.sendingRequests;
    this.pendingTokens += this.sendingTokens;
    this.sendingRequests = this.sendingTokens = 0;
  }

  /** Redis lost its data (restarted): everything own this window is flushed again, so no limit is lost. */
  recount(): void {
    this.roll();
    this.pendingRequests = this.ownWindowRequests - this.sendingRequests;
    this.pendingTokens = this.ownWindowTokens - this.sendingTokens;
  }
}

export class RedisQuotas implements QuotaShare {
  readonly all: RedisCounters[] = [];
  private readonly byId = new Map<string, RedisCounters>();
  private readonly link: ClusterLink;

  constructor(deployments: readonly DeploymentLimits[], link: ClusterLink) {
    this.link = link;
    for (const d of deployments) this.add(d);
  }

  counters(deploymentId: string): RedisCounters {
    return this.byId.get(deploymentId) ?? this.add({ id: deploymentId });
  }

  private add(limits: DeploymentLimits): RedisCounters {
    const c = new RedisCounters(limits, this.link);
    this.byId.set(limits.id, c);
    this.all.push(c);
    return c;
  }
}
