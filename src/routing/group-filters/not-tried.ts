/**
 * not-tried: a retry goes elsewhere when it can,
 *   admits(d) ⇔ d ∉ tried
 * `untriedElseTried` falls back when that leaves nothing: then it keeps the tried candidates, in the order they
 * were tried, each once (a group of one still retries its only deployment). `untried` has no fallback: panic
 * routing tries the untried cooling deployments before all of them, as a stage of its own.
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

function notTried(fallback: boolean): GroupFilter<Deployment> {
  return {
    name: fallback ? 'untried-else-tried' : 'untried',
    filter(candidates, sel, out) {
      const tried = sel.tried;
      let kept = 0;
      for (let i = 0; i < candidates.length; i++)
        if (tried === undefined || !tried.includes(candidates[i])) out[kept++] = candidates[i];
      if (kept > 0 || !fallback || tried === undefined) return kept;
      for (const d of tried) {
        if (!candidates.includes(d)) continue;
        let seen = false;
        for (let i = 0; i < kept && !seen; i++) seen = out[i] === d;
        if (!seen) out[kept++] = d;
      }
      return kept;
    },
  };
}

export const untried = notTried(false);
export const untriedElseTried = notTried(true);
