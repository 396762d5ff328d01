import type { Redis } from 'ioredis';
import { EventListeners } from '../event-listeners.ts';
import type { ClusterEvents } from '../types.ts';

interface EventMessage {
  /** The instance that learned it (its own messages come back and are skipped). */
  from: string;
  kind: 'cooldown' | 'penalty';
  deployment: string;
  until: number;
  hold: number;
}

/**
 * Cooldowns and engine penalties over Redis pub/sub: published when learned (rare, so off the hot path's
 * budget; never awaited), applied by every other instance on arrival. Fire-and-forget: while Redis is gone
 * an event is learned locally only, and an instance that was away misses what happened meanwhile (each
 * cooldown is seconds long, and it learns the next failure itself).
 */
export class RedisEvents extends EventListeners implements ClusterEvents {
  private readonly redis: Redis;
  readonly channel: string;
  private readonly instanceId: string;
  /** Publishes that failed (Redis gone): learned here only. */
  lost = 0;

  constructor(redis: Redis, channel: string, instanceId: string) {
    super();
    this.redis = redis;
    this.channel = channel;
    this.instanceId = instanceId;
  }

  cooldown(deploymentId: string, untilWallMs: number, holdUntilWallMs: number): void {
    this.publish({
      from: this.instanceId,
      kind: 'cooldown',
      deployment: deploymentId,
      until: untilWallMs,
      hold: holdUntilWallMs,
    });
  }

  penalty(deploymentId: string, untilWallMs: number): void {
    this.publish({ from: this.instanceId, kind: 'penalty', deployment: deploymentId, until: untilWallMs, hold: 0 });
  }

  /** A message on the channel (the subscriber connection's listener, ./state.ts). */
  received(raw: string): void {
    let m: EventMessage;
    try {
      m = JSON.parse(raw) as EventMessage;
    } catch {
      return;
    }
    if (m.from === this.instanceId || typeof m.deployment !== 'string') return;
    if (m.kind === 'cooldown') this.cooldownArrived(m.deployment, m.until, m.hold);
    else if (m.kind === 'penalty') this.penaltyArrived(m.deployment, m.until);
  }

  private publish(m: EventMessage): void {
    this.redis.publish(this.channel, JSON.stringify(m)).catch(() => {
      this.lost++;
    });
  }
}
