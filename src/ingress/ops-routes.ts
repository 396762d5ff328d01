/**
 * The ingress's answers on every route but the proxy ones: which need the master key (or accept an API key),
 * then the handler. Split from ./server.ts, which keeps the request path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Outcome } from '../outcome/outcomes.ts';
import type { IngressOptions } from './ingress-options.ts';
import type { Route } from './routes.ts';

/** What the ingress lends these answers: its checks and its refusal. */
export interface OpsGate {
  readonly draining: boolean;
  /** The master key (or no key configured). */
  authorized(req: IncomingMessage): boolean;
  /** The master key, or an API key that resolves to a tenant (keys on). */
  authorizedOrTenant(req: IncomingMessage): boolean;
  unauthorized(req: IncomingMessage, res: ServerResponse): void;
  refuse(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Exclude<Outcome, 'upstream_response'>,
    message: string,
  ): void;
}

export function answerOps(
  g: OpsGate,
  o: IngressOptions,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
): void {
  switch (route.kind) {
    case 'proxy':
    case 'stored_response':
      return; // the ingress's own paths (./server.ts)
    case 'models':
      return g.authorizedOrTenant(req) ? o.ops.models(res) : g.unauthorized(req, res);
    case 'metrics':
      return o.publicMetrics || g.authorized(req) ? o.ops.metrics(res) : g.unauthorized(req, res);
    case 'liveness':
      return o.publicHealth || g.authorized(req) ? o.ops.liveness(res) : g.unauthorized(req, res);
    case 'readiness':
      return o.publicHealth || g.authorized(req) ? o.ops.readiness(res, g.draining) : g.unauthorized(req, res);
    case 'upstreams':
      return o.publicHealth || g.authorized(req) ? o.ops.upstreams(res) : g.unauthorized(req, res);
    case 'health':
      // LiteLLM's /health names every deployment's api_base: behind the master key, as there.
      if (!g.authorized(req)) return g.unauthorized(req, res);
      if (o.health === undefined) return g.refuse(req, res, 'path_not_found', 'GET /health is not served here.');
      return o.health(res);
    case 'backpressure':
      // Changes how the gateway refuses traffic: never without the master key, even when the API is open.
      if (o.auth === undefined)
        return g.refuse(req, res, 'unauthorized', '/admin/backpressure needs general_settings.master_key to be set.');
      if (!g.authorized(req)) return g.unauthorized(req, res);
      if (o.backpressureAdmin === undefined)
        return g.refuse(req, res, 'path_not_found', 'Back pressure is off (spillway.backpressure.enabled).');
      return o.backpressureAdmin(req, res);
    case 'management':
      // Keys need a master key (the config refuses them without one), so o.auth is set whenever this is.
      if (o.management === undefined)
        return g.refuse(req, res, 'path_not_found', 'API keys are off (spillway.keys, docs/KEYS.md).');
      if (!g.authorized(req)) return g.unauthorized(req, res);
      return o.management(req, res, route.action);
    case 'ui':
      // Basic as well as Bearer, so a browser can prompt for the key and EventSource then carries it.
      if (o.auth !== undefined && !o.auth.allowsBasicOrBearer(req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Basic realm="spillway"');
        return g.refuse(
          req,
          res,
          'unauthorized',
          'The operator page needs the master key (Bearer, or Basic as the password).',
        );
      }
      if (o.ui === undefined) return g.refuse(req, res, 'path_not_found', 'The operator page is off.');
      return o.ui(req, res, route.view);
  }
}
