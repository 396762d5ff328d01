/**
 * Per deployment: the level-3 gate (src/engine-admission/engine-gate.ts) beside the engine's load (the load
 * model's EngineLoad when the pipeline has one, else one back pressure keeps from its own dispatches), and
 * the one question routing asks: can this engine take a new request of a class with fraction f now, and if
 * not, why. The class owns f of every limit here too: the concurrency limit, the SLO, and the busy thresholds.
 */
import type { ClassActivity } from './class-activity.ts';
import type { EngineBlock, EngineGate } from '../../engine-admission/engine-gate.ts';
import type { EngineLoad } from '../../load/engine-load.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { WaitingRoom } from '../../routing/queue/waiting-room.ts';
import { busyReason, type BusyReason, type BusyThresholds } from '../../routing/queue/busy.ts';

export type EngineStateName = 'ok' | 'busy' | 'slow' | 'penalty' | 'cooldown';
/** Values of spillway_engine_backpressure_state. */
export const ENGINE_STATES: Record<EngineStateName, number> = { ok: 0, busy: 1, slow: 2, penalty: 3, cooldown: 4 };

export type EngineRefusal = EngineBlock | BusyReason;

export class EngineSlot {
  readonly deployment: Deployment;
  readonly gate: EngineGate;
  readonly load: EngineLoad;
  /** The load is back pressure's own: it reserves and releases it around each attempt. */
  readonly ownLoad: boolean;
  /** The router queue of the engine's group (set once the group is built). */
  room: WaitingRoom<unknown> | undefined = undefined;
  /** The classes active in the engine's group (set once the group is built). */
  activity: ClassActivity | undefined = undefined;

  constructor(deployment: Deployment, gate: EngineGate, load: EngineLoad, ownLoad: boolean) {
    this.deployment = deployment;
    this.gate = gate;
    this.load = load;
    this.ownLoad = ownLoad;
  }

  /**
   * Why the engine cannot take a new request of a class with fraction `f` now; undefined when it can. `share`:
   * the part of the concurrency limit and busy thresholds the class may use now (GroupState.engineShare);
   * the SLO breaker always judges by `f`.
   */
  refusal(now: number, busy: BusyThresholds, f = 1, share = f): EngineRefusal | undefined {
    return this.gate.blockedBy(now, f, share) ?? busyReason(this.load, busy, share);
  }

  /** The state a request of a class with fraction `f` sees (the metric and the admin view use standard's). */
  state(now: number, busy: BusyThresholds, f: number): EngineStateName {
    if (this.deployment.isCoolingDown()) return 'cooldown';
    switch (this.refusal(now, busy, f)) {
      case undefined:
        return 'ok';
      case 'penalty':
        return 'penalty';
      case 'slow':
        return 'slow';
      default:
        return 'busy';
    }
  }
}
