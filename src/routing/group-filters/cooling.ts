/**
 * The rotation split by cooldown:
 *   in-rotation(d) ⇔ ¬cooling(d)        what a selection routes to
 *   cooling(d)     ⇔  cooling(d)        what panic routing falls back to when nothing in rotation takes it
 * Neither refuses anything by itself: a cooling deployment is only refused by its hold (./cooldown-hold.ts).
 */
import type { Deployment } from '../deployment.ts';
import type { GroupFilter } from '../selection.ts';

export const inRotation: GroupFilter<Deployment> = {
  name: 'in-rotation',
  filter(candidates, _sel, out) {
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (!candidates[i].isCoolingDown()) out[kept++] = candidates[i];
    return kept;
  },
};

export const cooling: GroupFilter<Deployment> = {
  name: 'cooling',
  filter(candidates, _sel, out) {
    let kept = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i].isCoolingDown()) out[kept++] = candidates[i];
    return kept;
  },
};
