import type { CooldownConfig } from '../config/types.ts';
import type { OpsHandlers } from '../ingress/ingress-options.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { Ref } from '../util/ref.ts';
import { sendJsonText } from './json-response.ts';
import { upstreamHealth } from './upstream-health.ts';

/** /v1/models, health and metrics. */
export function opsHandlers(
  groups: Ref<readonly ModelGroup[]>,
  metrics: GatewayMetrics,
  cooldown: CooldownConfig,
): OpsHandlers {
  const created = Math.floor(Date.now() / 1000);
  const modelList = (): string =>
    JSON.stringify({
      object: 'list',
      data: groups.current.map((g) => ({ id: g.name, object: 'model', created, owned_by: 'spillway' })),
    });
  const live = JSON.stringify({ status: 'ok' });
  const ready = JSON.stringify({ status: 'ready' });
  const notReady = JSON.stringify({ status: 'draining' });
  return {
    models: (res) => sendJsonText(res, 200, modelList()),
    liveness: (res) => sendJsonText(res, 200, live),
    // Whether this process can serve: it answers, so it listens; 503 only while draining. Upstream health is
    // not readiness: every replica sees the same upstreams, and failing them all at once empties the Service.
    readiness: (res, draining) => (draining ? sendJsonText(res, 503, notReady) : sendJsonText(res, 200, ready)),
    upstreams: (res) => sendJsonText(res, 200, upstreamHealth(groups.current, cooldown)),
    metrics(res) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: Error) =>
          sendJsonText(
            res,
            500,
            JSON.stringify({ error: { message: err.message, type: 'server_error', param: null, code: null } }),
          ),
      );
    },
  };
}
