/**
 * rendezvous (highest random weight): for a key, every engine gets the weight
 *   w(key, e) = mix(key, hash(e.id)) / 2³²                         in [0, 1)
 * and the highest owns the key: the same key picks the same engine among the same candidates, and an engine's
 * leaving moves only its own keys. `keyOf` names the key per candidate (a block hash of the prompt).
 */

import { fmix32 } from '../../util/hash.ts';
import type { Scorer } from '../profile/types.ts';
import type { DeploymentView, RouteRequest } from '../types.ts';

/** FNV-1a over the id's UTF-16 units: engine ids are short, so hashing per pick costs less than a cache. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h;
}

/** The engine's weight for `key` (a block hash of up to 53 bits), an unsigned 32-bit integer. */
export function rendezvous(key: number, id: string): number {
  const lo = (key % 0x100000000) | 0;
  const hi = Math.floor(key / 0x100000000) | 0;
  return fmix32(fmix32(lo ^ idHash(id)) ^ hi);
}

export function rendezvousScorer<D extends DeploymentView>(
  name: string,
  keyOf: (d: D, req: RouteRequest) => number,
): Scorer<D> {
  return {
    name,
    score(candidates, req, out) {
      for (let i = 0; i < candidates.length; i++)
        out[i] = rendezvous(keyOf(candidates[i], req), candidates[i].id) / 0x100000000;
    },
  };
}
