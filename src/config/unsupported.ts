/**
 * Keys a LiteLLM proxy config may carry that Spillway knows of but does not implement. They get a warning
 * that says so ("not supported by Spillway, ignored"), with a hint where Spillway has an equivalent; any
 * other unexpected key is "unknown key, ignored", with a "did you mean" when it is close to a known one.
 * Names are from LiteLLM's docs/proxy/config_settings.md. `*` matches every key of the section.
 * docs/LITELLM.md lists them for users; test/litellm-doc.test.ts keeps the two in step.
 */
import { KNOWN_KEYS } from './schema.ts';

type Hints = Readonly<Record<string, string | true>>;

export const UNSUPPORTED: Readonly<Record<string, Hints>> = {
  '': {
    litellm_settings: true,
    environment_variables: 'set variables in the environment and use os.environ/NAME',
    callback_settings: true,
    guardrails: true,
    credential_list: true,
    include: 'Spillway reads a single file',
    mcp_servers: true,
    general_settings_overrides: true,
    // LiteLLM features Spillway has no part of (test/fixtures/litellm-keys.ts lists what LiteLLM documents).
    assistant_settings: true,
  },
  'model_list[].model_info': { '*': true },
  'model_list[].litellm_params': {
    api_version: true,
    organization: true,
    max_retries: 'use router_settings.num_retries',
    input_cost_per_token: true,
    output_cost_per_token: true,
    input_cost_per_second: true,
    output_cost_per_second: true,
    region_name: true,
    drop_params: true,
    additional_drop_params: true,
    headers: true,
    extra_headers: true,
    temperature: true,
    max_tokens: true,
    mock_response: true,
    use_in_pass_through: true,
    litellm_credential_name: 'put the credential in api_key (os.environ/NAME works)',
    merge_reasoning_content_in_choices: true,
    configurable_clientside_auth_params: true,
    base_model: true,
    vertex_project: true,
    vertex_location: true,
    vertex_credentials: true,
    aws_access_key_id: true,
    aws_secret_access_key: true,
    aws_region_name: true,
  },
  router_settings: {
    redis_host: true,
    redis_port: true,
    redis_password: true,
    redis_url: true,
    redis_db: true,
    cache_responses: true,
    cache_kwargs: true,
    client_ttl: true,
    enable_pre_call_checks: true,
    enable_pre_call_check: true,
    retry_policy: true,
    model_group_retry_policy: true,
    allowed_fails_policy: true,
    retry_after: true,
    disable_cooldowns: true,
    model_group_alias: true,
    routing_strategy_args: true,
    routing_groups: true,
    default_priority: true,
    polling_interval: true,
    default_litellm_params: true,
    provider_budget_config: true,
    debug_level: true,
    set_verbose: true,
    // LiteLLM features Spillway has no part of (test/fixtures/litellm-keys.ts lists what LiteLLM documents).
    caching_groups: true,
    alerting_config: true,
    assistants_config: true,
    router_general_settings: true,
    optional_pre_call_checks: true,
    deployment_affinity_ttl_seconds: true,
    ignore_invalid_deployments: 'an invalid deployment stops start-up, with every problem listed',
    search_tools: true,
    guardrail_list: true,
  },
  general_settings: {
    database_connection_pool_limit: true,
    database_connection_timeout: true,
    store_model_in_db: true,
    allow_requests_on_db_unavailable: true,
    disable_spend_logs: true,
    disable_master_key_return: true,
    proxy_batch_write_at: true,
    alerting: true,
    alerting_threshold: true,
    alert_types: true,
    allowed_routes: true,
    public_routes: true,
    admin_only_routes: true,
    allowed_ips: true,
    use_x_forwarded_for: true,
    custom_auth: true,
    enable_jwt_auth: true,
    health_check_details: true,
    max_parallel_requests: 'use litellm_params.max_parallel_requests or router_settings.default_max_parallel_requests',
    global_max_parallel_requests: true,
    max_response_size_mb: true,
    forward_client_headers_to_llm_api: true,
    ui_access_mode: true,
    store_prompts_in_spend_logs: true,
    // LiteLLM features Spillway has no part of (test/fixtures/litellm-keys.ts lists what LiteLLM documents).
    completion_model: 'the request names its model group',
    disable_spend_updates: true,
    disable_retry_on_max_parallel_request_limit_error: true,
    disable_reset_budget: true,
    disable_adding_master_key_hash_to_db: true,
    disable_responses_id_security: true,
    enforce_user_param: true,
    reject_clientside_metadata_tags: true,
    key_management_system: true,
    infer_model_from_keys: true,
    use_client_credentials_pass_through_routes: true,
    enforced_params: true,
    enable_oauth2_auth: true,
    service_account_settings: true,
    image_generation_model: 'the request names its model group',
    supported_db_objects: true,
    user_mcp_management_mode: true,
    proxy_budget_rescheduler_min_time: true,
    proxy_budget_rescheduler_max_time: true,
    proxy_batch_polling_interval: true,
    alerting_args: true,
    custom_key_generate: true,
    embedding_model: 'the request names its model group',
    default_team_disabled: true,
    alert_to_webhook_url: true,
    key_management_settings: true,
    allow_user_auth: true,
    user_api_key_cache_ttl: true,
    disable_prisma_schema_update: true,
    litellm_key_header_name: true,
    moderation_model: 'the request names its model group',
    custom_sso: true,
    allow_client_side_credentials: true,
    use_azure_key_vault: true,
    use_google_kms: true,
    spend_report_frequency: true,
    litellm_jwtauth: true,
    litellm_license: true,
    oauth2_config_mappings: true,
    pass_through_endpoints: true,
    enable_oauth2_proxy_auth: true,
    forward_openai_org_id: true,
    maximum_spend_logs_retention_period: true,
    maximum_spend_logs_retention_interval: true,
  },
};

/** The warning for an unexpected key `key` in `section` (path with indices erased). */
export function unexpectedKeyMessage(section: string, key: string): string {
  const hints = UNSUPPORTED[section];
  const hint = hints?.[key] ?? hints?.['*'];
  if (hint !== undefined) return `not supported by Spillway, ignored${hint === true ? '' : ` (${hint})`}`;
  const near = closest(key, KNOWN_KEYS[section] ?? []);
  return `unknown key, ignored${near ? ` (did you mean "${near}"?)` : ''}`;
}

/** The known key within edit distance 2 (1 for short keys) of `key`, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  const limit = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment); hand-written because
 * it is a dozen lines and only runs on config warnings. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
