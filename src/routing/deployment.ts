import type { DeploymentConfig } from '../config/types.ts';
import type { Clock } from '../util/clock.ts';
import type { DeploymentView } from './types.ts';
import { FixedWindowCounter } from './fixed-window.ts';
import type { EngineLoad } from '../load/engine-load.ts';

/** 0 healthy, 1 at a limit (rpm/tpm/parallel), 2 cooling down: the values of spillway_deployment_state. */
export type DeploymentState = 0 | 1 | 2;

export interface CooldownPolicy {
  /** Failures allowed within the current minute; one more puts the deployment in cooldown (LiteLLM's allowed_fails). */
  allowedFails: number;
  cooldownTimeMs: number;
}

/**
 * One deployment's runtime state: in-flight count, rpm/tpm windows and cooldown. The pipeline is the only
 * writer (acquire/release around each upstream attempt); routing policies read it through DeploymentView.
 */
export class Deployment implements DeploymentView {
  readonly id: string;
  readonly config: DeploymentConfig;
  inFlight = 0;
  cooldownUntil = 0;
  /** The engine's predicted and reported load, when the gateway keeps the fleet's load model (src/load). */
  load: EngineLoad | undefined = undefined;
  /** Incremented on every release without a matching acquire; tests assert it stays 0. */
  accountingErrors = 0;
  private readonly requests: FixedWindowCounter;
  private readonly tokens: FixedWindowCounter;
  private readonly failures: FixedWindowCounter;
  private readonly clock: Clock;
  private readonly cooldown: CooldownPolicy;

  constructor(config: DeploymentConfig, cooldown: CooldownPolicy, clock: Clock) {
    this.id = config.id;
    this.config = config;
    this.clock = clock;
    this.cooldown = cooldown;
    this.requests = new FixedWindowCounter(clock);
    this.tokens = new FixedWindowCounter(clock);
    this.failures = new FixedWindowCounter(clock);
  }

  isCoolingDown(): boolean {
    return this.cooldownUntil > this.clock();
  }

  cooldownRemainingMs(): number {
    return Math.max(0, this.cooldownUntil - this.clock());
  }

  /** Whether one more request fits under rpm, tpm and max_parallel_requests. */
  hasCapacity(): boolean {
    const c = this.config;
    if (c.maxParallelRequests !== undefined && this.inFlight >= c.maxParallelRequests) return false;
    if (c.rpm !== undefined && this.requests.current() >= c.rpm) return false;
    if (c.tpm !== undefined && this.tokens.current() >= c.tpm) return false;
    return true;
  }

  /** When a deployment at its limit will have room again. Parallel limits free up on the next completion: 1 s is a hint, not a promise. */
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

  acquire(): void {
    this.inFlight++;
    this.requests.add(1);
  }

  release(): void {
    if (this.inFlight <= 0) {
      this.accountingErrors++;
      return;
    }
    this.inFlight--;
  }

  /** Tokens used by a finished request, for tpm. */
  addTokens(n: number): void {
    if (n > 0) this.tokens.add(n);
  }

  /**
   * Records a failed attempt. Returns true when this failure put the deployment into cooldown. An upstream
   * Retry-After extends a cooldown (new or running), never shortens it.
   */
  recordFailure(retryAfterMs: number | undefined): boolean {
    const now = this.clock();
    this.failures.add(1);
    const wasCooling = this.cooldownUntil > now;
    if (wasCooling) {
      if (retryAfterMs !== undefined) this.cooldownUntil = Math.max(this.cooldownUntil, now + retryAfterMs);
      return false;
    }
    if (this.failures.current() <= this.cooldown.allowedFails) return false;
    this.cooldownUntil = now + Math.max(this.cooldown.cooldownTimeMs, retryAfterMs ?? 0);
    return true;
  }
}
