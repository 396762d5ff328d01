import type { Clock } from '../util/clock.ts';
import { FixedWindowCounter } from '../util/fixed-window.ts';
import type { DeploymentCounters } from './types.ts';

/** One process's own counters for one deployment: the whole cluster when the gateway runs alone. */
export class LocalCounters implements DeploymentCounters {
  private held = 0;
  private readonly requestWindow: FixedWindowCounter;
  private readonly tokenWindow: FixedWindowCounter;

  constructor(clock: Clock) {
    this.requestWindow = new FixedWindowCounter(clock);
    this.tokenWindow = new FixedWindowCounter(clock);
  }

  inFlight(): number {
    return this.held;
  }

  requests(): number {
    return this.requestWindow.current();
  }

  tokens(): number {
    return this.tokenWindow.current();
  }

  /** Both windows start together, so one reset time serves rpm and tpm. */
  msUntilReset(): number {
    return this.requestWindow.msUntilReset();
  }

  hold(): void {
    this.held++;
    this.requestWindow.add(1);
  }

  giveBack(tokens: number): void {
    this.held--;
    if (tokens > 0) this.tokenWindow.add(tokens);
  }
}
