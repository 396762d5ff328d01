/**
 * utilization: lowest(u), u = the engine's reconciled load share (EngineLoad.utilization), its reports dated by
 * one clock read per decision (src/load/decision-time.ts): 8 clock reads were about half of a least-kv pick over
 * 8 engines (bench/micro/routing-decision.ts).
 */
import { timeOn } from '../../load/decision-time.ts';
import type { Scorer } from '../profile/types.ts';
import type { EngineView } from '../types.ts';
import { lowestScore } from './lowest.ts';

export const lowestUtilization: Scorer<EngineView> = {
  name: 'utilization',
  score(candidates, _req, out) {
    if (candidates.length === 0) return;
    const clock = candidates[0].load.clock;
    const now = clock();
    for (let i = 0; i < candidates.length; i++) {
      const load = candidates[i].load;
      out[i] = lowestScore(load.utilization(timeOn(load, clock, now)));
    }
  },
};
