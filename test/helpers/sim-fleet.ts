// A gateway config over simulated engines as the operator-page tests use it: one model group, kv-aware routing,
// every engine scraped, back pressure on with the given SLA, behind a master key.

export interface SimFleetConfig {
  urls: readonly string[];
  key: string;
  model?: string;
  scrapeMs?: number;
  ttftBudgetMs?: number;
  itlSloMs?: number;
}

export function simFleetYaml(c: SimFleetConfig): string {
  const models = c.urls.map(
    (url, i) => `  - model_name: ${c.model ?? 'sim'}
    litellm_params: { model: hosted_vllm/sim-llama, api_base: "${url}/v1" }
    model_info: { id: engine-${i} }
    spillway: { load: { kind: vllm, interval_ms: ${c.scrapeMs ?? 50} } }
`,
  );
  return `model_list:
${models.join('')}router_settings: { routing_strategy: kv-aware, num_retries: 0 }
general_settings: { master_key: ${c.key} }
spillway:
  backpressure:
    enabled: true
    router: { ttft_budget_ms: ${c.ttftBudgetMs ?? 5000} }
    engine: { itl_slo_ms: ${c.itlSloMs ?? 500} }
`;
}
