/**
 * load-bound: bounded loads (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2018), the
 * load half of cache-affine routing. Over the n usable (not busy) candidates, counting the request being placed,
 *
 *   m     = (Σ in_flight(e) + 1) / n                              the mean share
 *   bound = ceil( (1 + ε) · m + √m )                               under(e) ⇔ in_flight(e) < bound
 *
 * with in_flight the reconciled count (src/load/engine-load.ts: the engine's report plus what was dispatched
 * since). The least loaded engine is always under it, so a request always has somewhere to go, and no engine
 * takes more than (1 + ε) times its share however its cache attracts requests. A strategy prefers the engine
 * that holds the request's prefix among those under the bound and spills to the next only past it; an engine
 * then keeps its prefixes while the fleet is balanced, whatever the engines' KV reports say about them.
 *
 * ε = 0.25 (the default, as prefix-hash's): prompts placed whole on engines load them unevenly, e.g. 10 shared
 * prompts on 3 engines make shares of 4/3/3 = 1.2× the mean for one engine; a quarter above the mean lets that
 * stand, while a hot prefix still cannot queue more than a quarter above the mean on its engine.
 *
 * √m: the paper's bound is (1 + ε)·m, but in-flight counts of a Poisson stream wander by about √m on their
 * own, and at the few requests per engine of a lightly loaded fleet a spill for such a passing excess copies a
 * prefix to a second engine (a miss there, and a cache slot taken from its own prompts) without relieving any
 * queue. Measured on 3 engines × 10 shared prompts at ~2 in flight per engine: with (1 + ε)·m alone kv-aware's
 * hit rate fell from 91 % to 71 %. The term fades relative to m as the load grows (+10 % at m = 100).
 */
import { timeOn } from '../../load/decision-time.ts';
import type { Clock } from '../../util/clock.ts';
import type { Filter } from '../profile/types.ts';
import type { EngineView } from '../types.ts';

/** The load slack ε over an equal share: see the header. */
export const DEFAULT_SLACK = 0.25;

function bound(total: number, usable: number, slack: number): number {
  if (usable === 0) return 0;
  const m = (total + 1) / usable;
  return Math.ceil((1 + slack) * m + Math.sqrt(m));
}

/** The in-flight count an engine must stay below to take one more request, or 0 when every candidate is busy. */
export function loadBound(candidates: readonly EngineView[], slack: number): number {
  let total = 0;
  let usable = 0;
  for (let i = 0; i < candidates.length; i++) {
    if (candidates[i].load.isBusy()) continue;
    total += candidates[i].load.inFlight();
    usable++;
  }
  return bound(total, usable, slack);
}

const inFlightAt = (e: EngineView, clock: Clock, now: number) => e.load.inFlight(timeOn(e.load, clock, now));

/** Keeps the engines under the bound, over candidates already rid of busy ones (./not-busy.ts). */
export function underLoadBound(slack: number): Filter<EngineView> {
  return {
    name: 'load-bound',
    filter(candidates, _req, out) {
      if (candidates.length === 0) return 0;
      const clock = candidates[0].load.clock;
      const now = clock();
      let total = 0;
      for (let i = 0; i < candidates.length; i++) total += inFlightAt(candidates[i], clock, now);
      const limit = bound(total, candidates.length, slack);
      let kept = 0;
      for (let i = 0; i < candidates.length; i++)
        if (inFlightAt(candidates[i], clock, now) < limit) out[kept++] = candidates[i];
      return kept;
    },
  };
}
