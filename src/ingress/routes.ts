import type { Endpoint } from '../config/types.ts';
import { MANAGEMENT_ROUTES, type ManagementAction } from '../tenants/management-routes.ts';
import type { UiView } from './ingress-options.ts';

/** What a path is for. Proxy routes name the endpoint and the path appended to a deployment's api_base. */
export type Route =
  | { kind: 'proxy'; endpoint: Endpoint; upstreamPath: string; method: 'POST' }
  | { kind: 'models'; method: 'GET' }
  | { kind: 'liveness'; method: 'GET' }
  | { kind: 'readiness'; method: 'GET' }
  | { kind: 'upstreams'; method: 'GET' }
  | { kind: 'health'; method: 'GET' }
  | { kind: 'metrics'; method: 'GET' }
  | { kind: 'backpressure'; method: 'GET'; put: true }
  | { kind: 'ui'; method: 'GET' | 'POST'; view: UiView }
  | { kind: 'management'; method: 'GET' | 'POST'; action: ManagementAction };

const proxyRoutes: [string, Endpoint][] = [
  ['/chat/completions', 'chat'],
  ['/completions', 'completions'],
  ['/embeddings', 'embeddings'],
];

/** Exact-path table (OpenAI's paths with and without `/v1`): one Map lookup per request. */
export function routeTable(): Map<string, Route> {
  const table = new Map<string, Route>();
  for (const [path, endpoint] of proxyRoutes) {
    const route: Route = { kind: 'proxy', endpoint, upstreamPath: path, method: 'POST' };
    table.set(path, route);
    table.set(`/v1${path}`, route);
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

/** The route of `path` in `table`: an exact entry, or a page asset where the table serves the page. */
export function findRoute(table: Map<string, Route>, path: string): Route | undefined {
  const r = table.get(path);
  if (r !== undefined || !path.startsWith(UI_ASSETS) || !table.has('/ui')) return r;
  return uiAsset;
}

/**
 * Health, metrics and admin routes: what `spillway.ops_port` moves to its own listener. Key management stays
 * on the public port, where LiteLLM's clients look for it.
 */
export function isOpsRoute(route: Route): boolean {
  return route.kind !== 'proxy' && route.kind !== 'models' && route.kind !== 'management';
}

/** The path without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
