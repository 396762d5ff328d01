/** Per model group: its admission counters, its router queue and drain rate, its engines and settings. */

import { GroupAdmission, type GroupLimits } from '../../admission/ingress-admission.ts';
import type { GroupBackpressure } from '../../config/backpressure.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { ModelGroup, NoRoute } from '../../routing/group.ts';
import { Departures } from '../../routing/queue/departures.ts';
import type { DrainRate } from '../../routing/queue/drain-rate.ts';
import type { WaitingRoom } from '../../routing/queue/waiting-room.ts';
import type { DeepReadonly, Ref } from '../../util/ref.ts';
import { ClassActivity } from './class-activity.ts';
import type { EngineSlot } from './engines.ts';
import type { GroupSettings } from './live-settings.ts';

/** Where a request that leaves the router queue goes: a deployment, or the answer when the group has none. */
export type QueueExit = Deployment | Exclude<NoRoute, { reason: 'busy' }>;

/** `R`: the request type its router queue holds. */
export class GroupState<R> {
  readonly name: string;
  /** The group's deployments now: replaced with `engines` by a reload (./regroup.ts). */
  group: ModelGroup;
  readonly admission: GroupAdmission;
  engines: readonly EngineSlot[];
  readonly drainRate: DrainRate;
  /** Dispatches over a window five times the drain rate's: the denominator of sustained overload. */
  readonly sustainedDrain: DrainRate;
  room!: WaitingRoom<R, QueueExit>;
  /** Requests admitted, by priority class (spillway_backpressure_admitted_total, read at scrape time). */
  readonly admittedTotal = [0, 0, 0];
  /** Requests answered 2xx, within and outside the SLA (./sla.ts; spillway_sla_requests_total). */
  readonly sla = [0, 0];
  /** Requests whose client went away while queued. */
  abandoned = 0;
  /** Attempts of this group in flight (so a queue with nothing in flight knows no event is coming). */
  attempts = 0;
  /** The attempts in flight by age, and their durations: when the next ones leave (the queue's wait). */
  readonly departures = new Departures();
  /** Which classes are active: how much of each engine a class may use (./class-activity.ts). */
  readonly activity = new ClassActivity();
  statusTimer: NodeJS.Timeout | undefined = undefined;
  statusSubscribers = 0;

  private readonly settingsRef: Ref<GroupSettings>;

  constructor(
    group: ModelGroup,
    engines: EngineSlot[],
    settings: Ref<GroupSettings>,
    limits: Ref<GroupLimits>,
    drainRate: DrainRate,
    sustainedDrain: DrainRate,
  ) {
    this.name = group.name;
    this.group = group;
    this.engines = engines;
    this.settingsRef = settings;
    this.admission = new GroupAdmission(group.name, limits);
    this.drainRate = drainRate;
    this.sustainedDrain = sustainedDrain;
  }

  /** A reload's new members of the group (./regroup.ts): its queue now routes to them. */
  rebind(group: ModelGroup, engines: readonly EngineSlot[]): void {
    this.group = group;
    this.engines = engines;
  }

  /** The group's TTFT budget and SLOs in force now. */
  get settings(): DeepReadonly<GroupBackpressure> {
    return this.settingsRef.current.configured;
  }

  /** A request that wanted status events left the queue: the group's status timer stops with the last one. */
  statusLeft(): void {
    if (--this.statusSubscribers === 0) this.stopStatus();
  }

  stopStatus(): void {
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    this.statusTimer = undefined;
    this.statusSubscribers = 0;
  }

  /** Blocks per token on this group's engines (reported block size, else configured). */
  blockSize(): number {
    return this.engines.length > 0 ? this.engines[0].load.blockSize : 16;
  }
}
