import type { Endpoint } from '../config/types.ts';
import { MANAGEMENT_ROUTES, type ManagementAction } from '../tenants/management-routes.ts';
import type { UiView } from './ingress-options.ts';

/** What a path is for. Proxy routes name the endpoint and the path appended to a deployment's api_base. */
export type Route =
  | ProxyRoute
  | { kind: 'stored_response'; method: 'GET' }
  | { kind: 'models'; method: 'GET' }
  | { kind: 'liveness'; method: 'GET' }
  | { kind: 'readiness'; method: 'GET' }
  | { kind: 'upstreams'; method: 'GET' }
  | { kind: 'health'; method: 'GET' }
  | { kind: 'metrics'; method: 'GET' }
  | { kind: 'backpressure'; method: 'GET'; put: true }
  | { kind: 'ui'; method: 'GET' | 'POST'; view: UiView }
  | { kind: 'management'; method: 'GET' | 'POST'; action: ManagementAction };

/**
 * A path proxied to the same path on a deployment: appended to its api_base (`http://host:8000/v1` +
 * `/chat/completions`), or with `fromRoot`, to the api_base's root (its path without a trailing `/v1`), where
 * vLLM serves `/tokenize` and `/detokenize`.
 */
export interface ProxyRoute {
  kind: 'proxy';
  endpoint: Endpoint;
  upstreamPath: string;
  method: 'POST';
  fromRoot: boolean;
}

const proxyRoutes: [string, Endpoint][] = [
  ['/chat/completions', 'chat'],
  ['/completions', 'completions'],
  ['/embeddings', 'embeddings'],
  ['/responses', 'responses'],
  ['/messages', 'messages'],
  ['/rerank', 'rerank'],
  ['/score', 'score'],
  ['/audio/transcriptions', 'transcriptions'],
];
const rootProxyRoutes: [string, Endpoint][] = [
  ['/tokenize', 'tokenize'],
  ['/detokenize', 'detokenize'],
];
/**
 * OpenAI's other JSON endpoints that name a model: proxied to the same path when the body's `model` names a
 * group, else answered as unknown paths (docs/ROUTING.md, "Endpoints"). A list, not a pattern over /v1/*, so an
 * unknown path is still refused before its body is read.
 */
const otherModelPaths = ['/images/generations', '/audio/speech', '/moderations'];

/** Exact-path table (OpenAI's paths with and without `/v1`): one Map lookup per request. */
export function routeTable(): Map<string, Route> {
  const table = new Map<string, Route>();
  for (const [routes, fromRoot] of [
    [proxyRoutes, false],
    [rootProxyRoutes, true],
    [otherModelPaths.map((p): [string, Endpoint] => [p, 'other']), false],
  ] as const) {
    for (const [path, endpoint] of routes) {
      const route: Route = { kind: 'proxy', endpoint, upstreamPath: path, method: 'POST', fromRoot };
      table.set(path, route);
      table.set(`/v1${path}`, route);
    }
  }
  const models: Route = { kind: 'models', method: 'GET' };
  table.set('/models', models);
  table.set('/v1/models', models);
  const liveness: Route = { kind: 'liveness', method: 'GET' };
  table.set('/health/liveness', liveness);
  table.set('/health/liveliness', liveness); // LiteLLM's spelling, so existing probes keep working
  table.set('/health/readiness', { kind: 'readiness', method: 'GET' });
  table.set('/health/upstreams', { kind: 'upstreams', method: 'GET' });
  table.set('/health', { kind: 'health', method: 'GET' });
  table.set('/metrics', { kind: 'metrics', method: 'GET' });
  table.set('/admin/backpressure', { kind: 'backpressure', method: 'GET', put: true });
  table.set('/ui', { kind: 'ui', method: 'GET', view: 'page' });
  table.set('/ui/', { kind: 'ui', method: 'GET', view: 'page' });
  table.set('/ui/snapshot', { kind: 'ui', method: 'GET', view: 'snapshot' });
  table.set('/ui/events', { kind: 'ui', method: 'GET', view: 'events' });
  table.set('/ui/load', { kind: 'ui', method: 'POST', view: 'load' });
  for (const [path, method, action] of MANAGEMENT_ROUTES) table.set(path, { kind: 'management', method, action });
  return table;
}

const UI_ASSETS = '/ui/assets/';
const uiAsset: Route = { kind: 'ui', method: 'GET', view: 'asset' };
const storedResponse: Route = { kind: 'stored_response', method: 'GET' };

/**
 * The route of `path` in `table`: an exact entry; a page asset where the table serves the page; on the public
 * table, a stored response's follow-up (`/v1/responses/{id}...`, answered as unsupported).
 */
export function findRoute(table: Map<string, Route>, path: string): Route | undefined {
  const r = table.get(path);
  if (r !== undefined) return r;
  if (path.startsWith(UI_ASSETS)) return table.has('/ui') ? uiAsset : undefined;
  if (!table.has('/v1/responses')) return undefined; // the ops port proxies nothing
  return path.startsWith('/v1/responses/') || path.startsWith('/responses/') ? storedResponse : undefined;
}

/**
 * Health, metrics and admin routes: what `spillway.ops_port` moves to its own listener. Key management stays
 * on the public port, where LiteLLM's clients look for it.
 */
export function isOpsRoute(route: Route): boolean {
  return (
    route.kind !== 'proxy' && route.kind !== 'models' && route.kind !== 'management' && route.kind !== 'stored_response'
  );
}

/** The path without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
