/**
 * Per deployment: the level-3 gate (src/engine-admission/engine-gate.ts) beside the engine's load (the load
 * model's EngineLoad when the pipeline has one, else one back pressure keeps from its own dispatches), and
 * the one question routing asks: can this engine take a new request of a class with fraction f now, and if
 * not, why. The class owns f of every limit here too: the concurrency limit, the SLO, and the busy thresholds.
 */

import type { EngineBlock, EngineGate } from '../../engine-admission/engine-gate.ts';
import { type BusyReason, type BusyThresholds, busyReason } from '../../load/busy.ts';
import type { EngineLoad } from '../../load/engine-load.ts';
import type { EngineStateName } from '../../metrics/backpressure-metrics.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { Departures } from '../../routing/queue/departures.ts';
import type { WaitingRoom } from '../../routing/queue/waiting-room.ts';
import type { ClassActivity } from './class-activity.ts';

export type EngineRefusal = EngineBlock | BusyReason;

export class EngineSlot {
  readonly deployment: Deployment;
  readonly gate: EngineGate;
  readonly load: EngineLoad;
  /** Attempts in flight here by class (attempts.ts counts them at dispatch and end). */
  readonly inFlightOf = [0, 0, 0];
  /** The load is back pressure's own: it reserves and releases it around each attempt. */
  readonly ownLoad: boolean;
  /** The router queue of the engine's group (set once the group is built). */
  room: WaitingRoom<unknown, unknown> | undefined = undefined;
  /** The classes active in the engine's group (set once the group is built). */
  activity: ClassActivity | undefined = undefined;
  /** The attempts in flight in the engine's group, by age (set once the group is built). */
  departures: Departures | undefined = undefined;

  constructor(deployment: Deployment, gate: EngineGate, load: EngineLoad, ownLoad: boolean) {
    this.deployment = deployment;
    this.gate = gate;
    this.load = load;
    this.ownLoad = ownLoad;
  }

  /**
   * Why the engine cannot take a new request of class `p` (fraction `f`) now; undefined when it can. `share`:
   * the part of the concurrency limit and busy thresholds the class may use now (its fraction while a class
   * above it is active, else 1: ./class-activity.ts); the SLO breaker always judges by `f`. While a class above
   * is active, the engine also keeps free at least 2·√n slots for it, n being what the classes above hold here:
   * their arrivals over one request's time are ~Poisson with mean n (Little), so 2·√n covers ~98 % of their
   * swings. A fixed fraction alone kept too little when critical was a large share of the load: on the matrix's
   * fleet #7 at 3×, 15 % of critical requests were refused router_deadline while standard held the engines.
   * Of the busy thresholds it keeps free at least one prompt of the engine's recent mean size (what it had to
   * prefill): a fraction of a small engine's threshold can be less than one prompt, which then left no room
   * to any class above (matrix fleet #3: 1,160 prefill tokens, prompts of ~1,700, critical refused).
   */
  refusal(now: number, busy: BusyThresholds, f = 1, share = f, p = 0): EngineRefusal | undefined {
    let s = share;
    if (share < 1 && p > 0) {
      let above = 0;
      for (let c = 0; c < p; c++) above += this.inFlightOf[c];
      const limit = this.gate.limit.limit;
      if (above > 0 && limit > 0) s = Math.min(s, 1 - (2 * Math.sqrt(above)) / limit);
    }
    const blocked = this.gate.blockedBy(now, f, s);
    if (blocked !== undefined) return blocked;
    return busyReason(this.load, busy, s, s < 1 ? this.gate.ttftFit.meanTokens(now) : 0);
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
