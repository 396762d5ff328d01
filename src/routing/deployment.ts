import { LocalCounters } from '../cluster/local-counters.ts';
import { SOLO_EVENTS } from '../cluster/solo.ts';
import type { ClusterEvents, ClusterState, DeploymentCounters } from '../cluster/types.ts';
import type { CooldownConfig, DeploymentConfig } from '../config/types.ts';
import type { EngineLoad } from '../load/engine-load.ts';
import { type Clock, wallOffset } from '../util/clock.ts';
import type { Permit, PermitEnd } from '../util/permit.ts';
import { OutcomeWindow } from './cooldown/outcome-window.ts';
import { COOLDOWN_POLICIES } from './cooldown/registry.ts';
import type { CooldownJudge } from './cooldown/types.ts';
import type { DeploymentView } from './types.ts';

/** 0 healthy, 1 at a limit (rpm/tpm/parallel), 2 cooling down: the values of spillway_deployment_state. */
export type DeploymentState = 0 | 1 | 2;

/** What the last cooldown started from, for /health/upstreams and panic routing. */
export interface Ejection {
  /** The failure that tipped it: HTTP status, `connect_error`, `timeout` or `broken_stream`. */
  status: string;
  /** The window's failed share and attempts when it began. */
  failureRate: number;
  requests: number;
}

/**
 * One deployment's runtime state: in-flight count, rpm/tpm windows, the outcomes of its recent attempts and
 * its cooldown. Its limits are judged on the cluster's counters (every worker or gateway of the fleet,
 * ../cluster/types.ts); `inFlight` is this process's own, for its accounting and metrics. A cooldown begun
 * here is published to the others, and theirs are applied here (`applyCooldown`). The pipeline is the only
 * writer (a DeploymentPermit held for each upstream attempt, one recordSuccess or recordFailure per attempt
 * that ended on the upstream's account); routing policies read it through DeploymentView.
 */
export class Deployment implements DeploymentView {
  readonly id: string;
  readonly config: DeploymentConfig;
  /** This process's attempts in flight (the cluster's: `counters.inFlight()`). */
  inFlight = 0;
  cooldownUntil = 0;
  /** Until when an upstream Retry-After asks for the cooldown to be kept (panic routing respects it). */
  holdUntil = 0;
  /** The deployments of its group, itself included (set by ModelGroup): the max ejection share counts them. */
  peers: readonly Deployment[] = [this];
  /**
   * What the active health checks last concluded (src/health/checker.ts, its one writer); true while they are
   * off or have not concluded otherwise. Unhealthy deployments leave routing (../group-filters/healthy.ts).
   */
  healthy = true;
  /** Cooldowns begun, and those the max ejection share prevented. */
  ejections = 0;
  ejectionsPrevented = 0;
  lastEjection: Ejection | undefined = undefined;
  readonly outcomes: OutcomeWindow;
  /** The engine's predicted and reported load, when the gateway keeps the fleet's load model (src/load). */
  load: EngineLoad | undefined = undefined;
  /** Slots given back that were never taken (a permit ended twice past its types); tests assert it stays 0. */
  accountingErrors = 0;
  /** max_parallel_requests, rpm and tpm as the whole cluster counts them. */
  readonly counters: DeploymentCounters;
  private readonly events: ClusterEvents;
  private readonly clock: Clock;
  readonly cooldown: CooldownConfig;
  private readonly judge: CooldownJudge;

  /** Without `cluster`, alone: its own counters on `clock`, and its cooldowns told to nobody. */
  constructor(config: DeploymentConfig, cooldown: CooldownConfig, clock: Clock, cluster?: ClusterState) {
    this.id = config.id;
    this.config = config;
    this.clock = clock;
    this.cooldown = cooldown;
    this.counters = cluster === undefined ? new LocalCounters(clock) : cluster.quotas.counters(config.id);
    this.events = cluster?.events ?? SOLO_EVENTS;
    this.outcomes = new OutcomeWindow(cooldown.windowMs);
    this.judge = COOLDOWN_POLICIES[cooldown.policy].create(cooldown, clock);
  }

  isCoolingDown(): boolean {
    return this.cooldownUntil > this.clock();
  }

  cooldownRemainingMs(): number {
    return Math.max(0, this.cooldownUntil - this.clock());
  }

  /** Cooling down, but no upstream Retry-After holds it: panic routing may still send it requests. */
  isPanicCandidate(): boolean {
    const now = this.clock();
    return this.cooldownUntil > now && this.holdUntil <= now;
  }

  holdRemainingMs(): number {
    return Math.max(0, this.holdUntil - this.clock());
  }

  /**
   * How badly it fails, for panic routing's "least failing": the failed share of its attempts in the window,
   * or, when the window is empty (it is cleared when a cooldown begins), the share that started the cooldown.
   */
  failureScore(): number {
    const now = this.clock();
    if (this.outcomes.requests(now) > 0) return this.outcomes.failureRate(now);
    return this.lastEjection?.failureRate ?? 0;
  }

  /** Whether one more request fits under rpm, tpm and max_parallel_requests. */
  hasCapacity(): boolean {
    const c = this.config;
    const n = this.counters;
    if (c.maxParallelRequests !== undefined && n.inFlight() >= c.maxParallelRequests) return false;
    if (c.rpm !== undefined && n.requests() >= c.rpm) return false;
    if (c.tpm !== undefined && n.tokens() >= c.tpm) return false;
    return true;
  }

  /**
   * When a deployment at its limit will have room again. Parallel limits free up on the next completion: 1 s is a
   * hint, not a promise.
   */
  msUntilCapacity(): number {
    const c = this.config;
    const n = this.counters;
    let ms = 0;
    if ((c.rpm !== undefined && n.requests() >= c.rpm) || (c.tpm !== undefined && n.tokens() >= c.tpm))
      ms = n.msUntilReset();
    if (c.maxParallelRequests !== undefined && n.inFlight() >= c.maxParallelRequests) ms = Math.max(ms, 1000);
    return ms;
  }

  state(): DeploymentState {
    if (this.isCoolingDown()) return 2;
    return this.hasCapacity() ? 0 : 1;
  }

  /** Takes a slot for one attempt: in flight, and one request in the rpm window, until the permit ends. */
  hold(): DeploymentPermit {
    this.inFlight++;
    this.counters.hold();
    return new DeploymentPermit(this);
  }

  /** The end of a DeploymentPermit (its one caller): the slot back, and the tokens its response used, for tpm. */
  giveBack(tokens: number): void {
    if (this.inFlight <= 0) {
      this.accountingErrors++;
      return;
    }
    this.inFlight--;
    this.counters.giveBack(tokens);
  }

  /**
   * An attempt the upstream answered (relayed to the client): counts toward the window's requests. O(1), no
   * allocation.
   */
  recordSuccess(): void {
    this.outcomes.success(this.clock());
  }

  /**
   * Records a failed attempt (`status` as in spillway_deployment_failure_responses_total). Returns true when
   * this failure began a cooldown: the policy's judge says so and the group's max ejection share allows it.
   * An upstream Retry-After (capped at retry_after_cap_ms) lengthens a cooldown, new or running, never
   * shortens it.
   */
  recordFailure(status: string, retryAfterMs: number | undefined): boolean {
    const now = this.clock();
    this.outcomes.failure(now);
    const ra = retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, this.cooldown.retryAfterCapMs);
    if (this.cooldownUntil > now) {
      if (ra !== undefined) this.extendHold(now, ra);
      return false;
    }
    if (!this.judge.failed(this.outcomes, now, status, this.peers.length)) return false;
    if (!this.mayLeave(now)) {
      this.ejectionsPrevented++;
      return false;
    }
    this.lastEjection = { status, failureRate: this.outcomes.failureRate(now), requests: this.outcomes.requests(now) };
    this.ejections++;
    this.outcomes.clear();
    this.judge.ejected(now);
    this.cooldownUntil = now + this.cooldown.cooldownTimeMs;
    if (ra !== undefined) this.extendHold(now, ra);
    else this.publish(now);
    return true;
  }

  private extendHold(now: number, ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, now + ms);
    this.cooldownUntil = Math.max(this.cooldownUntil, this.holdUntil);
    this.publish(now);
  }

  /** Tells the cluster's other instances, in wall-clock time (each has its own monotonic clock). */
  private publish(now: number): void {
    const wall = wallOffset(now);
    this.events.cooldown(this.id, wall + this.cooldownUntil, this.holdUntil > now ? wall + this.holdUntil : 0);
  }

  /** A cooldown another instance began (wall-clock ms): kept until then here too, never shortened. */
  applyCooldown(untilWallMs: number, holdUntilWallMs: number): void {
    const local = -wallOffset(this.clock());
    this.cooldownUntil = Math.max(this.cooldownUntil, local + untilWallMs);
    if (holdUntilWallMs > 0) this.holdUntil = Math.max(this.holdUntil, local + holdUntilWallMs);
  }

  /**
   * Whether one more of the group may be out: at most max_ejection_percent of its deployments, rounded down,
   * and at least one (as in Envoy's outlier detection, so a group of two can lose its dead one).
   */
  private mayLeave(now: number): boolean {
    const peers = this.peers;
    const max = Math.max(1, Math.floor((peers.length * this.cooldown.maxEjectionPercent) / 100));
    let out = 0;
    for (const p of peers) if (p.cooldownUntil > now) out++;
    return out < max;
  }
}

/**
 * An attempt's slot on a deployment (max_parallel_requests, rpm), from dispatch to its one end. tpm needs the
 * response's usage, known only at the end: the attempt says it with `used` before ending the permit, and only
 * a whole response does (a failed, cut or abandoned attempt adds no tokens).
 */
export class DeploymentPermit implements Permit {
  readonly deployment: Deployment;
  private tokens = 0;

  constructor(deployment: Deployment) {
    this.deployment = deployment;
  }

  /** The tokens the attempt's whole response used (its `usage`, ../relay/usage.ts), counted at the end. */
  used(tokens: number): void {
    this.tokens = tokens;
  }

  end(how: PermitEnd): asserts this is never {
    void how;
    this.deployment.giveBack(this.tokens);
  }
}
