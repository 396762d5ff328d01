import type { CooldownPolicy } from './types.ts';

/**
 * The default (router_settings.allowed_fails unset), after current LiteLLM: out when the failed share of the
 * attempts in the sliding window reaches `failure_rate_threshold` and the window holds at least `min_requests`
 * attempts, or at once on a 429 in a group of more than one deployment. Successes count, so a steady trickle of
 * errors at a high request rate never adds up to a cooldown the way a failure count does.
 */
export const failureRate: CooldownPolicy = {
  name: 'failure-rate',
  create(config) {
    const { failureRateThreshold: threshold, minRequests } = config;
    return {
      failed(window, now, status, groupSize) {
        if (status === '429' && groupSize > 1) return true;
        const n = window.requests(now);
        return n >= minRequests && window.failures(now) >= threshold * n;
      },
      ejected() {},
    };
  },
};
