/**
 * longest-prefix: keeps the engines holding the most leading blocks of the prompt, by the prefix index's
 * overlap at analysis time,
 *   admits(e) ⇔ overlap(e) = max over candidates of overlap > 0
 * so nothing is left when no candidate holds any of it (and for a request without a prompt).
 */
import type { Filter } from '../profile/types.ts';
import type { EngineView, RouteRequest } from '../types.ts';

/** Blocks of the prompt's head e holds (the index's overlap), 0 without a prompt. */
export function overlap(e: EngineView, req: RouteRequest): number {
  const o = req.prompt?.overlaps;
  const s = e.load.slot;
  return o !== undefined && s >= 0 && s < o.length ? o[s] : 0;
}

export const longestPrefix: Filter<EngineView> = {
  name: 'longest-prefix',
  filter(candidates, req, out) {
    let max = 0;
    for (let i = 0; i < candidates.length; i++) max = Math.max(max, overlap(candidates[i], req));
    if (max === 0) return 0;
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (overlap(candidates[i], req) === max) out[kept++] = candidates[i];
    return kept;
  },
};
