import type { ServerResponse } from 'node:http';
import type { OpsHandlers } from '../ingress/server.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { ModelGroup } from '../routing/group.ts';

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** /v1/models, health and metrics. */
export function opsHandlers(groups: readonly ModelGroup[], metrics: GatewayMetrics): OpsHandlers {
  const created = Math.floor(Date.now() / 1000);
  const models = JSON.stringify({
    object: 'list',
    data: groups.map((g) => ({ id: g.name, object: 'model', created, owned_by: 'spillway' })),
  });
  const live = JSON.stringify({ status: 'ok' });
  return {
    models: (res) => sendJson(res, 200, models),
    liveness: (res) => sendJson(res, 200, live),
    readiness(res, draining) {
      const usable = groups.filter((g) => g.isUsable()).map((g) => g.name);
      const ready = !draining && usable.length > 0;
      const status = draining ? 'draining' : ready ? 'ready' : 'no_usable_deployment';
      sendJson(res, ready ? 200 : 503, JSON.stringify({ status, usable_model_groups: usable }));
    },
    metrics(res) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: Error) => sendJson(res, 500, JSON.stringify({ error: { message: err.message, type: 'server_error', param: null, code: null } })),
      );
    },
  };
}
