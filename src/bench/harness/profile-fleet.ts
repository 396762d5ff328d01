/**
 * A fleet bench on a fitted engine profile (`--profile NAME`, docs/SIMULATOR.md): the engines run that profile,
 * whose `engine` block (its KV blocks) and `front_end` come with it while the bench's own engine flags (e.g.
 * --max-num-seqs 16, --num-blocks) still win, and the bench's SLA is scaled to it.
 *
 * The benches' SLAs were chosen on the default profile. A slower GPU takes longer for the same request even when it
 * is alone, so each bound is multiplied by how much longer: the TTFT bound by the ratio of one request's TTFT on the
 * two profiles, the TPOT bound by the ratio of its TPOT, both replayed in virtual time (src/sim/closed-loop.ts) for
 * the bench's typical request on the bench's engine settings. The headroom over an idle engine stays what it was.
 */
import { runClosedLoop } from '../../sim/closed-loop.ts';
import { frontEndOf } from '../../sim/front-end.ts';
import { DEFAULTS, definedOnly } from '../../sim/options.ts';
import { perfModelFrom, readProfileJson } from '../../sim/perf-model.ts';
import { profileEngineOptions } from '../../sim/profile-engine.ts';
import type { EngineSettings } from './fleet.ts';

export interface Sla {
  ttftMs: number;
  itlMs: number;
}

/** The request a bench mostly sends, in tokens. */
export interface RequestShape {
  inputTokens: number;
  outputTokens: number;
}

/** What one request alone sees on an engine with these settings: TTFT and TPOT, engine ms. */
export function idleLatency(engine: EngineSettings, shape: RequestShape): { ttftMs: number; tpotMs: number } {
  const profile = engine.profile ?? DEFAULTS.profile;
  const raw = readProfileJson(profile);
  const o = { ...DEFAULTS, ...profileEngineOptions(profile), ...definedOnly(engine) };
  const config = {
    numBlocks: o.numBlocks,
    blockSize: o.blockSize,
    maxNumSeqs: o.maxNumSeqs,
    maxNumBatchedTokens: o.maxNumBatchedTokens,
    perf: perfModelFrom(raw, profile),
  };
  const r = runClosedLoop(config, { concurrency: 1, prompts: 3, ...shape }, frontEndOf(raw));
  return { ttftMs: r.ttftP50Ms, tpotMs: r.tpotP50Ms };
}

/** The bench's engine settings on `profile` (unchanged without one) and its SLA scaled to that profile. */
export function onProfile(
  engine: EngineSettings,
  sla: Sla,
  shape: RequestShape,
  profile: string | undefined,
): { engine: EngineSettings; sla: Sla } {
  if (profile === undefined) return { engine, sla };
  const onIt = { ...engine, profile };
  const base = idleLatency(engine, shape);
  const there = idleLatency(onIt, shape);
  return {
    engine: onIt,
    sla: {
      ttftMs: Math.round((sla.ttftMs * there.ttftMs) / base.ttftMs),
      itlMs: Math.round((sla.itlMs * there.tpotMs) / base.tpotMs),
    },
  };
}
