/**
 * prefix-hash: cache affinity without an index. The key is the chained hash of the prompt's first K blocks
 * (it covers all of them), and each candidate scores
 *   score(e) = mix(key, hash(e.id))                                       (rendezvous hashing)
 * The highest score among candidates under the load bound wins (../filters/load-bound.ts):
 *   in_flight(e) < ceil((1 + ε)·m + √m),  m = (Σ in_flight + 1) / |usable candidates|   (bounded loads)
 * so prompts with the same head go to the same engine until it carries more than (1 + ε) times its share (plus √m), and
 * an engine leaving moves only its own keys. A prompt shorter than one block has no key: least in-flight wins
 * (ties random). Busy engines are excluded. As a profile: filter not-busy; stage 1 prompt-key, load-bound →
 * rendezvous → max-score; stage 2 lowest(in_flight) → max-score.
 */
import type { Random } from '../../util/random.ts';
import { DEFAULT_SLACK, underLoadBound } from '../filters/load-bound.ts';
import { notBusy } from '../filters/not-busy.ts';
import { hasPromptKey } from '../filters/prompt-key.ts';
import { maxScore } from '../pickers/max-score.ts';
import { profileStrategy } from '../profile/profile.ts';
import { lowest } from '../scorers/lowest.ts';
import { rendezvousScorer } from '../scorers/rendezvous.ts';
import type { EngineView, RoutingStrategy } from '../types.ts';

export interface PrefixHashOptions {
  random: Random;
  /** Blocks of the prompt's head that make the key. Default 4 (1 KB, ~256 tokens at the default block size). */
  keyBlocks?: number;
  /** Load slack ε over an equal share. Default 0.25. */
  slack?: number;
}

const fewestInFlight = lowest('engine-in-flight', (e: EngineView) => e.load.inFlight());

export function prefixHash(opts: PrefixHashOptions): RoutingStrategy<EngineView> {
  const keyBlocks = opts.keyBlocks ?? 4;
  const head = rendezvousScorer<EngineView>('prompt-head', (_e, req) => {
    const hashes = req.prompt!.hashes;
    return hashes[Math.min(keyBlocks, hashes.length) - 1];
  });
  return profileStrategy<EngineView>(
    {
      name: 'prefix-hash',
      filters: [notBusy],
      stages: [
        {
          filters: [hasPromptKey, underLoadBound(opts.slack ?? DEFAULT_SLACK)],
          scorers: [{ scorer: head, weight: 1 }],
          picker: maxScore,
        },
        { scorers: [{ scorer: fewestInFlight, weight: 1 }], picker: maxScore },
      ],
    },
    opts.random,
  );
}
