/**
 * Every request ends in exactly one outcome from this closed set; this table is the one place that maps an
 * outcome to its HTTP status, OpenAI error type/code and metric label. docs/ERRORS.md lists the same codes and a
 * test keeps the two in step.
 */
export const outcomes = {
  // Answered by an upstream: its status is forwarded (2xx, or a 4xx that is the client's fault).
  upstream_response: { status: 0, type: '', code: '' },
  bad_request: { status: 400, type: 'invalid_request_error', code: 'invalid_request' },
  invalid_json: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  // Nested deeper than spillway.max_json_depth; `param` names where the limit was crossed.
  json_too_deep: { status: 400, type: 'invalid_request_error', code: 'json_too_deep' },
  unauthorized: { status: 401, type: 'authentication_error', code: 'invalid_api_key' },
  // API keys and their management (issue 15 T1, docs/KEYS.md).
  key_expired: { status: 401, type: 'authentication_error', code: 'key_expired' },
  key_not_found: { status: 404, type: 'invalid_request_error', code: 'key_not_found' },
  team_not_found: { status: 404, type: 'invalid_request_error', code: 'team_not_found' },
  key_conflict: { status: 409, type: 'invalid_request_error', code: 'key_conflict' },
  key_store_unavailable: { status: 503, type: 'service_unavailable', code: 'key_store_unavailable' },
  model_not_found: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  path_not_found: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  method_not_allowed: { status: 405, type: 'invalid_request_error', code: 'method_not_allowed' },
  // POST /ui/load on a gateway with no load generator attached (only `spillway demo` attaches one).
  no_load_generator: { status: 409, type: 'invalid_request_error', code: 'no_load_generator' },
  // GET /ui/events while the most operator pages allowed are connected.
  ui_clients_full: { status: 503, type: 'service_unavailable', code: 'too_many_ui_clients' },
  payload_too_large: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type' },
  // Refused by Node's HTTP parser before the ingress sees a request (src/ingress/connections.ts); the
  // connection closes.
  invalid_http: { status: 400, type: 'invalid_request_error', code: 'invalid_http_request' },
  request_timeout: { status: 408, type: 'invalid_request_error', code: 'request_timeout' },
  header_too_large: { status: 431, type: 'invalid_request_error', code: 'request_header_too_large' },
  // Every deployment of the group is at its rpm/tpm/max_parallel_requests limit.
  deployment_limit: { status: 429, type: 'rate_limit_error', code: 'deployment_limit' },
  // The upstreams themselves answered 429 on every attempt.
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited' },
  // Every deployment of the group is cooling down after failures.
  all_cooling_down: { status: 503, type: 'service_unavailable', code: 'all_deployments_cooling_down' },
  // The upstreams answered 503 (overloaded) on every attempt.
  upstream_overloaded: { status: 503, type: 'overloaded', code: 'upstream_overloaded' },
  draining: { status: 503, type: 'service_unavailable', code: 'shutting_down' },
  upstream_error: { status: 502, type: 'upstream_error', code: 'upstream_error' },
  upstream_timeout: { status: 504, type: 'timeout', code: 'upstream_timeout' },
  // Stream broke after the response had started: nothing more can be said to the client.
  upstream_broken_stream: { status: 502, type: 'upstream_error', code: 'upstream_broken_stream' },
  // An exception in the gateway's own handling of this request (a bug): the request ends, the process does not.
  internal_error: { status: 500, type: 'server_error', code: 'internal_error' },
  // The client went away before the answer was complete (nginx's 499, for logs and metrics only).
  client_closed: { status: 499, type: 'client_closed', code: 'client_closed' },
  // Request back pressure (docs/BACKPRESSURE.md): refused on purpose, by the gate the code names, with
  // `x-spillway-rejected-by: ingress|router|engine`. 503 unless spillway.backpressure.reject_status is 429.
  ingress_inflight: { status: 503, type: 'overloaded', code: 'ingress_inflight' },
  ingress_kv_budget: { status: 503, type: 'overloaded', code: 'ingress_kv_budget' },
  ingress_priority_shed: { status: 503, type: 'overloaded', code: 'ingress_priority_shed' },
  router_queue_full: { status: 503, type: 'overloaded', code: 'router_queue_full' },
  router_deadline: { status: 503, type: 'overloaded', code: 'router_deadline' },
  router_queue_timeout: { status: 503, type: 'overloaded', code: 'router_queue_timeout' },
  router_busy: { status: 503, type: 'overloaded', code: 'router_busy' },
  engine_ttft_slo: { status: 503, type: 'overloaded', code: 'engine_ttft_slo' },
  engine_itl_slo: { status: 503, type: 'overloaded', code: 'engine_itl_slo' },
  engine_concurrency: { status: 503, type: 'overloaded', code: 'engine_concurrency' },
  engine_penalty: { status: 503, type: 'overloaded', code: 'engine_penalty' },
  // The tenant gate (issue 15, src/pipeline/tenant-gate.ts): a key's or its team's models, limits and budget.
  // A model the key may not use: 401, as LiteLLM's proxy answers it (proxy/auth/auth_checks.py).
  key_model_denied: { status: 401, type: 'authentication_error', code: 'key_model_access_denied' },
  team_model_denied: { status: 401, type: 'authentication_error', code: 'team_model_access_denied' },
  key_rpm_limit: { status: 429, type: 'rate_limit_error', code: 'key_rpm_limit' },
  key_tpm_limit: { status: 429, type: 'rate_limit_error', code: 'key_tpm_limit' },
  key_parallel_limit: { status: 429, type: 'rate_limit_error', code: 'key_parallel_limit' },
  team_rpm_limit: { status: 429, type: 'rate_limit_error', code: 'team_rpm_limit' },
  team_tpm_limit: { status: 429, type: 'rate_limit_error', code: 'team_tpm_limit' },
  team_parallel_limit: { status: 429, type: 'rate_limit_error', code: 'team_parallel_limit' },
  budget_exceeded: { status: 429, type: 'budget_exceeded', code: 'budget_exceeded' },
  // Tag-based routing (src/routing/tag-pool.ts): no deployment of the group serves the request's tags.
  no_tag_match: { status: 400, type: 'invalid_request_error', code: 'no_deployment_for_tags' },
  // Endpoints (issue 16, item 1): a stored response's follow-ups (GET/DELETE /v1/responses/{id}, its
  // input_items, cancel) are not routed to the engine that holds the response (docs/ROUTING.md, "Endpoints").
  stored_response_unsupported: { status: 501, type: 'invalid_request_error', code: 'stored_response_unsupported' },
} as const satisfies Record<string, { status: number; type: string; code: string }>;

export type Outcome = keyof typeof outcomes;

/** The back-pressure outcomes and the level that refused: the `x-spillway-rejected-by` header. */
export const rejectedBy = {
  ingress_inflight: 'ingress',
  ingress_kv_budget: 'ingress',
  ingress_priority_shed: 'ingress',
  router_queue_full: 'router',
  router_deadline: 'router',
  router_queue_timeout: 'router',
  router_busy: 'router',
  engine_ttft_slo: 'engine',
  engine_itl_slo: 'engine',
  engine_concurrency: 'engine',
  engine_penalty: 'engine',
} as const satisfies Partial<Record<Outcome, 'ingress' | 'router' | 'engine'>>;

export type OverloadOutcome = keyof typeof rejectedBy;
