/**
 * Runs a Profile as a RoutingStrategy: the profile's filters in order, each over what the previous one left;
 * then each stage (its own filters, then every scorer, clamped to [0, 1] and weighted, summed per candidate,
 * then its picker) until one picks. A lone scorer at weight 1 (every built-in stage) scores straight into the
 * totals, which are then only clamped: the weighing's extra pass and bytecode measured ~5 % of a least-kv
 * pick (bench/micro/routing-decision.ts). Otherwise each scorer scores into scratch and is added, clamped and
 * weighted. Allocation-free per decision: the
 * filtered lists and score arrays are scratch space of this strategy, reused because a decision runs
 * synchronously to its end.
 */
import type { Random } from '../../util/random.ts';
import type { DeploymentView, RouteRequest, RoutingStrategy } from '../types.ts';
import { cutTo } from './scratch.ts';
import type { Filter, Profile, Stage } from './types.ts';

const clamp = (s: number) => (s < 0 ? 0 : s > 1 ? 1 : s);

export function profileStrategy<V extends DeploymentView>(profile: Profile<V>, random: Random): RoutingStrategy<V> {
  // One list per filter position (a filter may appear twice: by position, it never reads the list it writes).
  const profileLists = profile.filters.map((): V[] => []);
  const stageLists = profile.stages.map((s) => (s.filters ?? []).map((): V[] => []));
  let totals = new Float64Array(16);
  let scores = new Float64Array(16);

  function applyFilters(
    list: readonly V[],
    filters: readonly Filter<V>[],
    lists: V[][],
    req: RouteRequest,
  ): readonly V[] {
    for (let k = 0; k < filters.length && list.length > 0; k++) {
      const out = lists[k];
      list = cutTo(out, filters[k].filter(list, req, out));
    }
    return list;
  }

  function runStage(s: number, list: readonly V[], req: RouteRequest): V | undefined {
    const stage = profile.stages[s];
    if (stage.filters !== undefined) list = applyFilters(list, stage.filters, stageLists[s], req);
    const n = list.length;
    if (n === 0) return undefined;
    if (totals.length < n) {
      totals = new Float64Array(n * 2);
      scores = new Float64Array(n * 2);
    }
    const scorers = stage.scorers;
    if (scorers.length === 1 && scorers[0].weight === 1) {
      scorers[0].scorer.score(list, req, totals);
      for (let i = 0; i < n; i++) totals[i] = clamp(totals[i]);
    } else weighScores(scorers, list, req, n);
    return stage.picker.pick(list, totals, stage.tieBreak, random);
  }

  /** Sums each scorer's score, clamped to [0, 1], times its weight into `totals`. */
  function weighScores(scorers: Stage<V>['scorers'], list: readonly V[], req: RouteRequest, n: number): void {
    totals.fill(0, 0, n);
    for (let k = 0; k < scorers.length; k++) {
      const { scorer, weight } = scorers[k];
      scorer.score(list, req, scores);
      for (let i = 0; i < n; i++) totals[i] += clamp(scores[i]) * weight;
    }
  }

  return {
    name: profile.name,
    pick<D extends V>(candidates: readonly D[], req: RouteRequest): D | undefined {
      const list = applyFilters(candidates, profile.filters, profileLists, req);
      if (list.length === 0) return undefined;
      let picked: V | undefined;
      for (let s = 0; s < profile.stages.length && picked === undefined; s++) picked = runStage(s, list, req);
      if (picked === undefined) return undefined;
      // The pick is one of the caller's candidates: find it there to hand it back as the caller's type.
      for (let i = 0; i < candidates.length; i++) if (candidates[i] === picked) return candidates[i];
      return undefined;
    },
  };
}
