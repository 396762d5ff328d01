/**
 * engine-gate: drops what back pressure's route gate refuses for the request's class (levels 2 and 3: busy,
 * penalty, SLO breaker, concurrency),
 *   admits(d) ⇔ gate.admits(d, priority)
 * Installed only while back pressure is on. Its drops refuse as busy: the router queue waits for the engine.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter, RouteGate } from '../selection.ts';

export function engineGate(gate: RouteGate): GroupFilter<Deployment> {
  return {
    name: 'engine-gate',
    filter(candidates, sel, out) {
      let kept = 0;
      for (let i = 0; i < candidates.length; i++)
        if (gate.admits(candidates[i], sel.priority)) out[kept++] = candidates[i];
      return kept;
    },
    drops: { reason: 'busy', waitMs: () => 0 },
  };
}
