import type { CooldownListener, PenaltyListener } from './types.ts';

/**
 * The receiving half of ClusterEvents, whatever carries the events (a BroadcastChannel between workers,
 * Redis pub/sub between machines): who listens, and handing each arrival to them.
 */
export class EventListeners {
  private readonly cooldowns: CooldownListener[] = [];
  private readonly penalties: PenaltyListener[] = [];

  onCooldown(listener: CooldownListener): void {
    this.cooldowns.push(listener);
  }

  onPenalty(listener: PenaltyListener): void {
    this.penalties.push(listener);
  }

  /** Another instance began a cooldown. */
  protected cooldownArrived(deploymentId: string, untilWallMs: number, holdUntilWallMs: number): void {
    for (const l of this.cooldowns) l(deploymentId, untilWallMs, holdUntilWallMs);
  }

  /** Another instance put an engine in a penalty. */
  protected penaltyArrived(deploymentId: string, untilWallMs: number): void {
    for (const l of this.penalties) l(deploymentId, untilWallMs);
  }
}
