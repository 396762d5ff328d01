// Every spillway_* metric the gateway registers (with the load model on, so all of them, and the cluster's, which
// `spillway.cluster` adds) is documented in docs/METRICS.md, and nothing else is; the table of LiteLLM's metric
// names maps them to registered ones.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { ClusterMetrics } from '../src/cluster/redis/metrics.ts';
import { startGateway } from './helpers/gateway.ts';

/** Every metric name the gateway registers with the load model on, and the cluster's. */
async function registeredNames(): Promise<string[]> {
  const gw = await startGateway(`
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://127.0.0.1:9/v1" } }
router_settings: { routing_strategy: kv-aware }
`);
  try {
    const cluster = new Registry();
    new ClusterMetrics(cluster);
    return [...(await gw.gateway.metrics.registry.getMetricsAsJSON()), ...(await cluster.getMetricsAsJSON())].map(
      (m) => m.name,
    );
  } finally {
    await gw.close();
  }
}

const metricsDoc = () => readFile(new URL('../docs/METRICS.md', import.meta.url), 'utf8');

it('docs/METRICS.md lists exactly the registered spillway_* metrics', async () => {
  const registered = (await registeredNames()).filter((n) => n.startsWith('spillway_'));
  const documented = [...(await metricsDoc()).matchAll(/^\| `(spillway_[a-z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(documented)].sort(), [...new Set(registered)].sort());
});

it("docs/METRICS.md maps LiteLLM's metrics to registered ones", async () => {
  const registered = new Set(await registeredNames());
  const doc = await metricsDoc();
  const rows = [...doc.slice(doc.indexOf("## LiteLLM's metrics")).matchAll(/^\| `(litellm_[a-z_]+)` \| ([^|]*) \|/gm)];
  const litellm = rows.map((r) => r[1]);
  // The names a LiteLLM dashboard is most often built on are all there.
  for (const name of [
    'litellm_requests_metric',
    'litellm_total_tokens',
    'litellm_input_tokens',
    'litellm_output_tokens',
    'litellm_spend_metric',
    'litellm_deployment_state',
    'litellm_deployment_success_responses',
    'litellm_deployment_failure_responses',
    'litellm_deployment_cooled_down',
    'litellm_llm_api_time_to_first_token_metric',
  ])
    assert.ok(litellm.includes(name), `${name} is mapped`);
  for (const [, name, spillway] of rows)
    for (const [m] of spillway.matchAll(/spillway_[a-z_]+/g)) assert.ok(registered.has(m), `${name} → ${m}`);
});
