/**
 * Cooldowns and engine penalties between the workers of one process: a BroadcastChannel (node:worker_threads)
 * delivers each to every other worker, never back to the sender. Rare events (a cooldown, a penalty), so a
 * message each is cheap enough. The same channel carries back-pressure settings changed by PUT
 * /admin/backpressure, so every worker applies what one was sent.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { EventListeners } from '../event-listeners.ts';
import type { ClusterEvents } from '../types.ts';

type SettingsListener = (settings: unknown) => void;

type Message =
  | { kind: 'cooldown'; id: string; until: number; hold: number }
  | { kind: 'penalty'; id: string; until: number }
  | { kind: 'settings'; settings: unknown };

export class ChannelEvents extends EventListeners implements ClusterEvents {
  private readonly channel: BroadcastChannel;
  private readonly settingsListeners: SettingsListener[] = [];

  constructor(name: string) {
    super();
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => this.received((event as { data: Message }).data);
    this.channel.unref();
  }

  cooldown(deploymentId: string, untilWallMs: number, holdUntilWallMs: number): void {
    this.post({ kind: 'cooldown', id: deploymentId, until: untilWallMs, hold: holdUntilWallMs });
  }

  penalty(deploymentId: string, untilWallMs: number): void {
    this.post({ kind: 'penalty', id: deploymentId, until: untilWallMs });
  }

  settings(settings: unknown): void {
    this.post({ kind: 'settings', settings });
  }

  onSettings(listener: SettingsListener): void {
    this.settingsListeners.push(listener);
  }

  close(): void {
    this.channel.close();
  }

  private post(m: Message): void {
    this.channel.postMessage(m);
  }

  private received(m: Message): void {
    if (m.kind === 'cooldown') this.cooldownArrived(m.id, m.until, m.hold);
    else if (m.kind === 'penalty') this.penaltyArrived(m.id, m.until);
    else for (const l of this.settingsListeners) l(m.settings);
  }
}
