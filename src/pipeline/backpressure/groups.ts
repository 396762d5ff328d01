/** Per model group: its admission counters, its router queue and drain rate, its engines and settings. */
import { ClassActivity } from './class-activity.ts';
import { GroupAdmission, type GroupLimits } from '../../admission/ingress-admission.ts';
import type { GroupBackpressure } from '../../config/backpressure.ts';
import type { ModelGroup } from '../../routing/group.ts';
import type { DrainRate } from '../../routing/queue/drain-rate.ts';
import type { WaitingRoom } from '../../routing/queue/waiting-room.ts';
import type { DeepReadonly, Ref } from '../../util/ref.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { BackPressure } from './controller.ts';
import type { EngineSlot } from './engines.ts';
import type { GroupSettings } from './live-settings.ts';

export class GroupState {
  readonly controller: BackPressure;
  readonly name: string;
  readonly group: ModelGroup;
  readonly admission: GroupAdmission;
  readonly engines: readonly EngineSlot[];
  readonly drainRate: DrainRate;
  room!: WaitingRoom<ProxyRequest>;
  /** Requests admitted, by priority class (spillway_backpressure_admitted_total, read at scrape time). */
  readonly admittedTotal = [0, 0, 0];
  /** Requests whose client went away while queued. */
  abandoned = 0;
  /** Attempts of this group in flight (so a queue with nothing in flight knows no event is coming). */
  attempts = 0;
  /** Which classes are active: how much of each engine a class may use (./class-activity.ts). */
  readonly activity = new ClassActivity();
  statusTimer: NodeJS.Timeout | undefined = undefined;
  statusSubscribers = 0;

  private readonly settingsRef: Ref<GroupSettings>;

  constructor(controller: BackPressure, group: ModelGroup, engines: EngineSlot[], settings: Ref<GroupSettings>, limits: Ref<GroupLimits>, drainRate: DrainRate) {
    this.controller = controller;
    this.name = group.name;
    this.group = group;
    this.engines = engines;
    this.settingsRef = settings;
    this.admission = new GroupAdmission(group.name, limits);
    this.drainRate = drainRate;
  }

  /** The group's TTFT budget and SLOs in force now. */
  get settings(): DeepReadonly<GroupBackpressure> {
    return this.settingsRef.current.configured;
  }

  /** Blocks per token on this group's engines (reported block size, else configured). */
  blockSize(): number {
    return this.engines.length > 0 ? this.engines[0].load.blockSize : 16;
  }
}
