/**
 * What a health check sends to a deployment, by `spillway.health_checks.probe` name: a typed registry of
 * request shapes. A probe passes on a 2xx answer within the timeout, fails on anything else.
 *   models  GET <api_base><path> (default /models): every OpenAI-compatible engine serves it, and it costs
 *           the engine nothing; it shows the server answers, not that it can generate.
 *   chat    POST <api_base>/chat/completions of one user message and max_tokens 1: LiteLLM's background check;
 *           it shows the model generates, at the cost of a prefill per probe.
 */
import type { ProbeName } from '../config/health-checks.ts';
import type { DeploymentConfig } from '../config/types.ts';

export interface ProbeRequest {
  method: 'GET' | 'POST';
  /** Appended to the api_base's path. */
  path: string;
  body?: string;
}

export interface Probe {
  request(d: DeploymentConfig, path: string | undefined): ProbeRequest;
}

export const PROBES: Readonly<Record<ProbeName, Probe>> = {
  models: { request: (_d, path) => ({ method: 'GET', path: path ?? '/models' }) },
  chat: {
    request: (d) => ({
      method: 'POST',
      path: '/chat/completions',
      body: JSON.stringify({ model: d.upstreamModel, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }),
    }),
  },
};
