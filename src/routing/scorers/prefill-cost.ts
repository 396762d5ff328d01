/**
 * prefill-cost: the prefill work before the request's first token on engine e, in blocks,
 *   cost(e) = (queued_prefill_tokens(e) + T − C(e)) / block_size(e)
 * (T the prompt's tokens, C(e) those estimated cached there: EngineLoad.cachedTokens), from e's reconciled
 * load, normalised over the candidates to
 *   score(e) = (max cost − cost(e)) / (max cost − min cost)        1 for all when every cost is equal
 */
import { timeOn } from '../../load/decision-time.ts';
import type { Scorer } from '../profile/types.ts';
import type { EngineView, RouteRequest } from '../types.ts';

export function cachedOn(e: EngineView, req: RouteRequest): number {
  return req.prompt !== undefined ? e.load.cachedTokens(req.prompt) : 0;
}

/** `time` dates e's report (src/load/decision-time.ts); e's clock by default. */
export function prefillCost(e: EngineView, req: RouteRequest, time = e.load.clock()): number {
  return (e.load.queuedPrefillTokens(time) + (req.prompt?.tokens ?? 0) - cachedOn(e, req)) / e.load.blockSize;
}

export const prefillCostScorer: Scorer<EngineView> = {
  name: 'prefill-cost',
  score(candidates, req, out) {
    if (candidates.length === 0) return;
    const clock = candidates[0].load.clock;
    const now = clock();
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const c = (out[i] = prefillCost(candidates[i], req, timeOn(candidates[i].load, clock, now)));
      if (c < min) min = c;
      if (c > max) max = c;
    }
    const range = max - min;
    for (let i = 0; i < candidates.length; i++) out[i] = range > 0 ? (max - out[i]) / range : 1;
  },
};
