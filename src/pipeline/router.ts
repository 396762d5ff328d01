/**
 * Routing without back pressure: the group's selection, then the attempt starts downward. What no deployment
 * can take is a value: the refusal, or `exhausted` when an earlier attempt failed and nowhere is left to retry.
 */

import { injectFault } from '../outcome/internal-error.ts';
import type { NoRoute } from '../routing/group.ts';
import type { AttemptStarter } from './attempt-starter.ts';
import type { ProxyRequest } from './proxy-request.ts';
import type { RouteResult, Router } from './stages.ts';

export class DirectRouter implements Router {
  private readonly attempts: AttemptStarter;

  constructor(attempts: AttemptStarter) {
    this.attempts = attempts;
  }

  route(pr: ProxyRequest): RouteResult {
    injectFault(pr.ctx.fault, 'routing');
    const picked = pr.ctx.modelGroup.select(pr.ctx, pr.tried);
    if (!('reason' in picked)) {
      this.attempts.start(pr, picked);
      return 'dispatched';
    }
    if (picked.reason === 'busy') throw new Error('busy without a route gate');
    return noRoute(pr, picked);
  }
}

/** No deployment takes the request for a reason of routing's own (limits, cooldowns; not back pressure's busy). */
export function noRoute(pr: ProxyRequest, picked: Exclude<NoRoute, { reason: 'busy' }>): RouteResult {
  if (pr.lastFailure !== undefined) return 'exhausted';
  if (picked.reason === 'no_tag_match')
    return {
      outcome: picked.reason,
      message: `No deployment of model group "${pr.ctx.group}" serves the request's tags.`,
    };
  const why =
    picked.reason === 'deployment_limit'
      ? 'every deployment is at its rpm/tpm/parallel limit'
      : "every deployment is cooling down on its upstream's Retry-After";
  return {
    outcome: picked.reason,
    message: `No deployment of model group "${pr.ctx.group}" can take the request now (${why}).`,
    retryAfterMs: picked.retryAfterMs,
  };
}
