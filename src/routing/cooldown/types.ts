import type { CooldownConfig } from '../../config/types.ts';
import type { Clock } from '../../util/clock.ts';
import type { OutcomeWindow } from './outcome-window.ts';

/**
 * One deployment's judge of when its failures take it out of rotation. The deployment records every attempt in
 * its OutcomeWindow and asks the judge after each failure; whether it may leave (the group's max ejection share)
 * and for how long (cooldown_time, an upstream Retry-After) is decided by the deployment, not the judge.
 */
export interface CooldownJudge {
  /**
   * A failure was just counted in `window` (`status`: the upstream's HTTP status, `connect_error`, `timeout` or
   * `broken_stream`; `groupSize`: deployments in the group). True: take the deployment out now.
   */
  failed(window: OutcomeWindow, now: number, status: string, groupSize: number): boolean;
  /** The deployment was taken out: whatever led there is spent, counting starts afresh after the cooldown. */
  ejected(now: number): void;
}

/** A cooldown policy, registered by name in ./registry.ts. */
export interface CooldownPolicy {
  readonly name: string;
  /** A judge for one deployment (judges may keep per-deployment state). */
  create(config: CooldownConfig, clock: Clock): CooldownJudge;
}
