/**
 * The KV budget gate (the seed proposal's level-1 check, suggested there by R. Olson): refuse a request of
 * class c when
 *
 *   in_flight_blocks + request_blocks  >  f(c) · kv_overcommit · capacity_blocks
 *
 * where in_flight_blocks is the predicted KV of what the group has admitted (dispatched and still queued),
 * request_blocks this request's estimate (its prompt tokens / block size; outputs are counted as they are
 * generated), capacity_blocks the KV capacity of the group's usable engines, and kv_overcommit (default 1.25)
 * the share of work beyond the fleet's KV that may wait in the router queue, at least what the group frees
 * within its TTFT budget at its measured departure rate:
 *
 *   overcommit = max(kv_overcommit, 1 + drain_blocks / capacity_blocks)
 *       drain_blocks = departures per ms × TTFT budget × KV blocks per attempt in flight
 *
 * Work beyond the fleet's KV waits for departures, and what the departures within its budget make room for
 * can still be served in time: a fixed 1.25 refused 3-7 % at capacity on small KV-bound fleets (a few long
 * prompts per engine, a loose TTFT), whose engines queue those bursts and serve them within the SLA. The
 * router queue's deadline then judges each one precisely. Two cases pass on purpose:
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
  /**
   * drain_blocks (above): what the group's departures free within its TTFT budget; 0 while unknown, and 0 while
   * class `priority` and the classes above overload the group (a refusal at ingress then costs no goodput).
   */
  drainBlocks(group: string, priority: number): number;
}

/** The overcommit in force: the configured one, or more when the group drains more within its budget. */
export function kvOvercommit(configured: number, capacityBlocks: number, drainBlocks: number): number {
  const drained = capacityBlocks > 0 && drainBlocks > 0 ? 1 + drainBlocks / capacityBlocks : 0;
  return drained > configured ? drained : configured;
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
