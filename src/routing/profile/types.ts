/**
 * The parts a routing profile is made of (after llm-d's scheduler profile): filters drop candidates, scorers
 * grade what is left, a picker chooses. Each part computes and never mutates what it reads.
 */
import type { Random } from '../../util/random.ts';
import type { RouteRequest } from '../types.ts';

/**
 * Drops candidates that must not take the request (after llm-d's Filter, over the whole list): writes the ones
 * it keeps to `out`, in their order, and returns how many; the runner then cuts `out` to that length. It may
 * read all of `candidates` first (e.g. for a bound over them) and never reads `out`. One call per decision,
 * with the loop inside: the per-candidate calls stay in the filter's own code, where they are monomorphic.
 * `R` is what it decides on: the request, or a model group's Selection for the group's filters.
 */
export interface Filter<D, R = RouteRequest> {
  readonly name: string;
  filter(candidates: readonly D[], req: R, out: D[]): number;
}

/**
 * Grades every candidate: writes `out[i]` for `candidates[i]`, higher is better. The profile clamps each score
 * to [0, 1] and adds it times the scorer's weight.
 */
export interface Scorer<D> {
  readonly name: string;
  score(candidates: readonly D[], req: RouteRequest, out: Float64Array): void;
}

/** Orders candidates whose total scores are equal, before the picker's random draw; higher is better. */
export interface TieBreak<D> {
  readonly name: string;
  key(d: D): number;
}

/** Chooses among the candidates by their total scores (`totals[i]` for `candidates[i]`) and the tie-break. */
export interface Picker {
  readonly name: string;
  pick<D>(
    candidates: readonly D[],
    totals: Float64Array,
    tieBreak: TieBreak<D> | undefined,
    random: Random,
  ): D | undefined;
}

export interface WeightedScorer<D> {
  readonly scorer: Scorer<D>;
  readonly weight: number;
}

/** Scorers and a picker over what the profile's filters left, with filters of its own if it needs them. */
export interface Stage<D> {
  readonly filters?: readonly Filter<D>[];
  readonly scorers: readonly WeightedScorer<D>[];
  readonly tieBreak?: TieBreak<D>;
  readonly picker: Picker;
}

/**
 * A strategy as data: the filters, then the stages in order; the first stage that picks decides. One stage is
 * the common case; kv-aware tries the engines holding the prompt's prefix before the cheapest prefill.
 */
export interface Profile<D> {
  readonly name: string;
  readonly filters: readonly Filter<D>[];
  readonly stages: readonly Stage<D>[];
}
