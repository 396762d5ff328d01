// Every spillway_* metric the gateway registers (with the load model on, so all of them, and the cluster's, which
// `spillway.cluster` adds) is documented in docs/METRICS.md, and nothing else is.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { ClusterMetrics } from '../src/cluster/redis/metrics.ts';
import { startGateway } from './helpers/gateway.ts';

it('docs/METRICS.md lists exactly the registered spillway_* metrics', async () => {
  const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://127.0.0.1:9/v1" } }
router_settings: { routing_strategy: kv-aware }
`);
  try {
    const cluster = new Registry();
    new ClusterMetrics(cluster);
    const registered = [
      ...(await gw.gateway.metrics.registry.getMetricsAsJSON()),
      ...(await cluster.getMetricsAsJSON()),
    ]
      .map((m) => m.name)
      .filter((n) => n.startsWith('spillway_'));
    const doc = await readFile(new URL('../docs/METRICS.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(spillway_[a-z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(documented)].sort(), [...new Set(registered)].sort());
  } finally {
    await gw.close();
  }
});
