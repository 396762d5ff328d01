/**
 * prefix-hash: cache affinity without an index. The key is the chained hash of the prompt's first K blocks
 * (it covers all of them), and each candidate scores
 *   score(e) = mix(key, hash(e.id))                                       (rendezvous hashing)
 * The highest score among candidates under the load bound wins:
 *   in_flight(e) ≤ ceil((1 + ε) · (Σ in_flight + 1) / |candidates|)     (consistent hashing with bounded loads)
 * so prompts with the same head go to the same engine until it carries more than (1 + ε) times its share, and
 * an engine leaving moves only its own keys. A prompt shorter than one block has no key: least in-flight wins
 * (ties random). Busy engines are excluded.
 */
import type { EngineView, LoadAwareStrategy, PromptRouteRequest } from '../../load/view.ts';
import type { Random } from '../../util/random.ts';
import { fmix32 } from '../../util/hash.ts';

export interface PrefixHashOptions {
  random: Random;
  /** Blocks of the prompt's head that make the key. Default 4 (1 KB, ~256 tokens at the default block size). */
  keyBlocks?: number;
  /** Load slack ε over an equal share. Default 0.25. */
  slack?: number;
}

/** FNV-1a over the id's UTF-16 units: engine ids are short, so hashing per pick costs less than a cache. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h;
}

export function prefixHash(opts: PrefixHashOptions): LoadAwareStrategy {
  const random = opts.random;
  const keyBlocks = opts.keyBlocks ?? 4;
  const slack = opts.slack ?? 0.25;

  return {
    name: 'prefix-hash',
    pick<D extends EngineView>(candidates: readonly D[], req: PromptRouteRequest): D | undefined {
      const hashes = req.prompt?.hashes;
      let total = 0;
      let usable = 0;
      for (let i = 0; i < candidates.length; i++) {
        if (candidates[i].load.isBusy()) continue;
        total += candidates[i].load.inFlight();
        usable++;
      }
      if (usable === 0) return undefined;
      const bound = Math.ceil(((1 + slack) * (total + 1)) / usable);
      let best: D | undefined;
      let bestScore = -1;
      let ties = 0;
      if (hashes !== undefined && hashes.length > 0) {
        const key = hashes[Math.min(keyBlocks, hashes.length) - 1];
        const lo = key % 0x100000000 | 0;
        const hi = Math.floor(key / 0x100000000) | 0;
        for (let i = 0; i < candidates.length; i++) {
          const e = candidates[i];
          if (e.load.isBusy() || e.load.inFlight() >= bound) continue;
          const h = idHash(e.id);
          const score = fmix32(fmix32(lo ^ h) ^ hi);
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
