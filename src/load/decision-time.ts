/**
 * The time a routing decision dates its engines' reports by: the clock read once per decision, not once per
 * engine and signal for the report's freshness (a clock read costs about what the rest of a read does). The
 * engines of one fleet share its clock; an engine on another reads its own, as it would alone.
 */
import type { Clock } from '../util/clock.ts';
import type { EngineLoad } from './engine-load.ts';

export function timeOn(load: EngineLoad, clock: Clock, now: number): number {
  return load.clock === clock ? now : load.clock();
}
