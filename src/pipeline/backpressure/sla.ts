/**
 * A finished attempt judged against its group's SLA from the gateway's own view (spillway_sla_requests_total,
 * the operator page's goodput and attainment): a stream meets it when its first chunk reached the gateway within
 * the group's TTFT budget of the request's arrival and its mean time per output token after the first is within
 * the ITL SLO (0: not judged); a whole response when it ended within the TTFT budget. Only 2xx answers are
 * judged; the verdict counts once the request finishes with that answer (./admission.ts).
 */

import type { GroupBackpressure } from '../../config/backpressure.ts';
import type { DeepReadonly } from '../../util/ref.ts';
import type { ProxyRequest } from '../proxy-request.ts';

/** Index into GroupState.sla. */
export const SLA_WITHIN = 0;
export const SLA_MISSED = 1;

/** True within, false missed, undefined when not judged (not a 2xx answer). `meanItlMs`: NaN without tokens. */
export function slaVerdict(
  pr: ProxyRequest,
  sla: DeepReadonly<GroupBackpressure>,
  meanItlMs: number,
): boolean | undefined {
  const x = pr.lastAttempt;
  if (x === undefined || x.status < 200 || x.status >= 300) return undefined;
  const arrival = pr.ctx.arrivalMs;
  if (!pr.ctx.stream) return performance.now() - arrival <= sla.ttftBudgetMs;
  if (x.firstChunkMs === 0 || x.firstChunkMs - arrival > sla.ttftBudgetMs) return false;
  return !(sla.itlSloMs > 0 && meanItlMs > sla.itlSloMs);
}
