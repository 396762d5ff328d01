/**
 * prefix-hash: cache affinity without an index. The key is the chained hash of the prompt's first K blocks
 * (it covers all of them), and each candidate scores
 *   score(e) = mix(key, hash(e.id))                                       (rendezvous hashing)
 * The highest score among candidates under the load bound wins (./bounded-load.ts):
 *   in_flight(e) < ceil((1 + ε)·m + √m),  m = (Σ in_flight + 1) / |usable candidates|   (bounded loads)
 * so prompts with the same head go to the same engine until it carries more than (1 + ε) times its share (plus √m), and
 * an engine leaving moves only its own keys. A prompt shorter than one block has no key: least in-flight wins
 * (ties random). Busy engines are excluded.
 */
import type { EngineView, LoadAwareStrategy, PromptRouteRequest } from '../engine-view.ts';
import type { Random } from '../../util/random.ts';
import { DEFAULT_SLACK, loadBound, rendezvous } from './bounded-load.ts';

export interface PrefixHashOptions {
  random: Random;
  /** Blocks of the prompt's head that make the key. Default 4 (1 KB, ~256 tokens at the default block size). */
  keyBlocks?: number;
  /** Load slack ε over an equal share. Default 0.25. */
  slack?: number;
}

export function prefixHash(opts: PrefixHashOptions): LoadAwareStrategy {
  const random = opts.random;
  const keyBlocks = opts.keyBlocks ?? 4;
  const slack = opts.slack ?? DEFAULT_SLACK;

  return {
    name: 'prefix-hash',
    pick<D extends EngineView>(candidates: readonly D[], req: PromptRouteRequest): D | undefined {
      const hashes = req.prompt?.hashes;
      const bound = loadBound(candidates, slack);
      if (bound === 0) return undefined;
      let best: D | undefined;
      let bestScore = -1;
      let ties = 0;
      if (hashes !== undefined && hashes.length > 0) {
        const key = hashes[Math.min(keyBlocks, hashes.length) - 1];
        for (let i = 0; i < candidates.length; i++) {
          const e = candidates[i];
          if (e.load.isBusy() || e.load.inFlight() >= bound) continue;
          const score = rendezvous(key, e.id);
          if (score > bestScore) {
            best = e;
            bestScore = score;
          }
        }
        if (best !== undefined) return best;
      }
      let fewest = Infinity;
      for (let i = 0; i < candidates.length; i++) {
        const e = candidates[i];
        if (e.load.isBusy()) continue;
        const f = e.load.inFlight();
        if (f < fewest) {
          best = e;
          fewest = f;
          ties = 1;
        } else if (f === fewest && random() * ++ties < 1) {
          best = e;
        }
      }
      return best;
    },
  };
}
