/**
 * Scratch lists that a decision refills: a filter writes the candidates it keeps over the old ones, and the
 * list is cut to that count. The cut stores `length` only when it changes: the store goes through the array's
 * length setter even for the same value (~20 ns, measured: more than a filter's whole loop over 8 candidates),
 * and a list in steady use keeps its length from one decision to the next. Never emptied first: `length = 0`
 * drops the backing store and the next write allocates one.
 */
export function cutTo<D>(list: D[], length: number): D[] {
  if (list.length !== length) list.length = length;
  return list;
}
