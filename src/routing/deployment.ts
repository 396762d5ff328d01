import type { CooldownConfig, DeploymentConfig } from '../config/types.ts';
import type { EngineLoad } from '../load/engine-load.ts';
import type { Clock } from '../util/clock.ts';
import type { Permit, PermitEnd } from '../util/permit.ts';
import { OutcomeWindow } from './cooldown/outcome-window.ts';
import { COOLDOWN_POLICIES } from './cooldown/registry.ts';
import type { CooldownJudge } from './cooldown/types.ts';
import { FixedWindowCounter } from './fixed-window.ts';
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
 * its cooldown. The pipeline is the only writer (a DeploymentPermit held for each upstream attempt, one
 * recordSuccess or recordFailure per attempt that ended on the upstream's account); routing policies read it
 * through DeploymentView.
 */
export class Deployment implements DeploymentView {
  readonly id: string;
  readonly config: DeploymentConfig;
  inFlight = 0;
  cooldownUntil = 0;
  /** Until when an upstream Retry-After asks for the cooldown to be kept (panic routing respects it). */
  holdUntil = 0;
  /** The deployments of its group, itself included (set by ModelGroup): the max ejection share counts them. */
  peers: readonly Deployment[] = [this];
  /** Cooldowns begun, and those the max ejection share prevented. */
  ejections = 0;
  ejectionsPrevented = 0;
  lastEjection: Ejection | undefined = undefined;
  readonly outcomes: OutcomeWindow;
  /** The engine's predicted and reported load, when the gateway keeps the fleet's load model (src/load). */
  load: EngineLoad | undefined = undefined;
  /** Slots given back that were never taken (a permit ended twice past its types); tests assert it stays 0. */
  accountingErrors = 0;
  private readonly requests: FixedWindowCounter;
  private readonly tokens: FixedWindowCounter;
  private readonly clock: Clock;
  readonly cooldown: CooldownConfig;
  private readonly judge: CooldownJudge;

  constructor(config: DeploymentConfig, cooldown: CooldownConfig, clock: Clock) {
    this.id = config.id;
    this.config = config;
    this.clock = clock;
    this.cooldown = cooldown;
    this.requests = new FixedWindowCounter(clock);
    this.tokens = new FixedWindowCounter(clock);
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
    if (c.maxParallelRequests !== undefined && this.inFlight >= c.maxParallelRequests) return false;
    if (c.rpm !== undefined && this.requests.current() >= c.rpm) return false;
    if (c.tpm !== undefined && this.tokens.current() >= c.tpm) return false;
    return true;
  }

  /**
   * When a deployment at its limit will have room again. Parallel limits free up on the next completion: 1 s is a
   * hint, not a promise.
   */
  msUntilCapacity(): number {
    const c = this.config;
    let ms = 0;
    if (c.rpm !== undefined && this.requests.current() >= c.rpm) ms = Math.max(ms, this.requests.msUntilReset());
    if (c.tpm !== undefined && this.tokens.current() >= c.tpm) ms = Math.max(ms, this.tokens.msUntilReset());
    if (c.maxParallelRequests !== undefined && this.inFlight >= c.maxParallelRequests) ms = Math.max(ms, 1000);
    return ms;
  }

  state(): DeploymentState {
    if (this.isCoolingDown()) return 2;
    return this.hasCapacity() ? 0 : 1;
  }

  /** Takes a slot for one attempt: in flight, and one request in the rpm window, until the permit ends. */
  hold(): DeploymentPermit {
    this.inFlight++;
    this.requests.add(1);
    return new DeploymentPermit(this);
  }

  /** The end of a DeploymentPermit (its one caller): the slot back, and the tokens its response used, for tpm. */
  giveBack(tokens: number): void {
    if (this.inFlight <= 0) {
      this.accountingErrors++;
      return;
    }
    this.inFlight--;
    if (tokens > 0) this.tokens.add(tokens);
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
    return true;
  }

  private extendHold(now: number, ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, now + ms);
    this.cooldownUntil = Math.max(this.cooldownUntil, this.holdUntil);
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
