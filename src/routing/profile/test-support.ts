import type { Filter } from './types.ts';

/** What `filter` keeps of `candidates` for `req`, as a list of its own. */
export function kept<D, R>(filter: Filter<D, R>, candidates: readonly D[], req: R): D[] {
  const out: D[] = [];
  out.length = filter.filter(candidates, req, out);
  return out;
}
