/**
 * The KV budget gate (the seed proposal's level-1 check, suggested there by R. Olson): refuse a request of
 * class c when
 *
 *   in_flight_blocks + request_blocks  >  f(c) · kv_overcommit · capacity_blocks
 *
 * where in_flight_blocks is the predicted KV of what the group has admitted (dispatched and still queued),
 * request_blocks this request's estimate (its prompt tokens / block size; outputs are counted as they are
 * generated), capacity_blocks the KV capacity of the group's usable engines, and kv_overcommit (default 1.25)
 * the share of work beyond the fleet's KV that may wait in the router queue. Two cases pass on purpose:
 * an unknown capacity (nothing to judge against) and an idle group (a prompt larger than the whole budget
 * goes to an engine, which answers it with its own context-length error rather than being refused forever).
 */

/** Where the gate's two fleet numbers come from: the gateway's own ledger, or the load model. */
export interface KvBudgetSource {
  readonly name: string;
  /**
   * Predicted KV blocks held by the group's admitted requests: dispatched, and queued ahead of a class-`priority`
   * request (of its class or above; every queued one without a class). A queued request of a lower class would
   * leave after it, or give it its place, so it does not take a more important request's budget.
   */
  inFlightBlocks(group: string, priority?: number): number;
  /** KV capacity in blocks of the group's usable engines; 0 when unknown. */
  capacityBlocks(group: string): number;
}

/** The gate's load ratio: (in flight + request) / (overcommit · capacity); 0 when capacity is unknown. */
export function kvBudgetRatio(
  inFlightBlocks: number,
  requestBlocks: number,
  capacityBlocks: number,
  overcommit: number,
): number {
  if (capacityBlocks <= 0) return 0;
  return (inFlightBlocks + requestBlocks) / (overcommit * capacityBlocks);
}

export function kvBudgetAllows(
  inFlightBlocks: number,
  requestBlocks: number,
  capacityBlocks: number,
  overcommit: number,
  fraction: number,
): boolean {
  if (capacityBlocks <= 0 || inFlightBlocks <= 0) return true;
  return inFlightBlocks + requestBlocks <= fraction * overcommit * capacityBlocks;
}
