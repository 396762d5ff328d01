/**
 * A hold on some capacity (an admission, a queue place, an engine slot, a load reservation), ended exactly
 * once, saying how it went: Netflix concurrency-limits' listener (onSuccess, onIgnore, onDropped).
 *
 *   success   the work it held for completed
 *   failure   it ended otherwise (an error, an abort): nothing to learn about the capacity
 *   dropped   the capacity refused or timed it out: a signal to the limit that it is over
 *
 * A double end does not compile: after `end` the permit's type is `never`. TypeScript accepts the call only
 * on a reference declared with the permit's own type (TS2775), so a holder's field cannot be ended in place:
 * the one function that ends it takes it into a typed local and clears the field first,
 *
 *   if (h.permit === undefined) return;
 *   const permit: LoadPermit = h.permit;
 *   h.permit = undefined;
 *   permit.end(how);
 */
export type PermitEnd = 'success' | 'failure' | 'dropped';

export interface Permit {
  end(how: PermitEnd): asserts this is never;
}

/**
 * A hold its holder does not end: another party decides when it ends and how (a queue place: the queue
 * dispatches it, 'success', or expires or displaces it, 'dropped'), and clears the holder's field as it does.
 * The holder's one move is to give the hold up, which ends it too ('failure'). Same rule as a Permit: take it
 * from the field into a typed local, clear the field, withdraw; afterwards its type is `never`.
 */
export interface Withdrawable {
  withdraw(): asserts this is never;
}
