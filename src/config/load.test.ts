import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfigFile, parseConfig } from './load.ts';
import { issuesOf } from './test-helpers.ts';

const minimal = `
model_list:
  - model_name: chat
    litellm_params:
      model: openai/gpt-4o
      api_base: http://127.0.0.1:8000/v1/
`;

test('a minimal file gets LiteLLM defaults for the router and Spillway defaults for the server', () => {
  const { config, warnings } = parseConfig(minimal, {});
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.router, {
    routingStrategy: 'simple-shuffle',
    numRetries: 2,
    cooldown: {
      policy: 'failure-rate',
      cooldownTimeMs: 5000,
      failureRateThreshold: 0.5,
      minRequests: 10,
      windowMs: 10_000,
      maxEjectionPercent: 50,
      retryAfterCapMs: 60_000,
    },
  });
  assert.deepEqual(config.server, {
    host: '127.0.0.1',
    port: 4000,
    masterKey: undefined,
    maxRequestSizeBytes: 10 * 1024 * 1024,
    maxJsonDepth: 128,
    faultInjection: false,
    publicHealth: true,
    publicMetrics: true,
    drainGraceMs: 30_000,
    drainDelayMs: 5_000,
    headerTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    keepAliveTimeoutMs: 65_000,
    maxConnections: undefined,
    lingerMs: 5_000,
    opsPort: undefined,
    opsHost: undefined,
    logLevel: 'info',
  });
  assert.deepEqual(config.deployments, [
    {
      id: 'chat-0',
      group: 'chat',
      upstreamModel: 'gpt-4o',
      provider: 'openai',
      apiBase: 'http://127.0.0.1:8000/v1',
      apiKey: undefined,
      rpm: undefined,
      tpm: undefined,
      maxParallelRequests: undefined,
      weight: 1,
      timeoutMs: 600_000,
      firstByteTimeoutMs: 600_000,
      connections: 128,
      connectTimeoutMs: 5000,
    },
  ]);
});

test('every invalid value is reported at once, each with its path', () => {
  const issues = issuesOf(`
model_list:
  - model_name: a
    litellm_params: { model: openai/x, api_base: "http://h:1" }
  - model_name: a
    litellm_params: { model: openai/x, api_base: "http://h:1" }
  - model_name: b
    litellm_params:
      model: openai/y
      api_base: "ftp://example.com"
      rpm: 0
      timeout: fast
  - model_name: c
    litellm_params: { model: azure/gpt-4 }
router_settings:
  num_retries: -1
spillway:
  port: 70000
  log_level: loud
  public_health: maybe
`);
  assert.deepEqual(issues, [
    'model_list[2].litellm_params.api_base: expected an http(s) URL',
    'model_list[2].litellm_params.rpm: expected a number > 0, got 0',
    'model_list[2].litellm_params.timeout: expected a number, got "fast"',
    'model_list[3].litellm_params.api_base: expected an http(s) URL',
    'model_list[3].litellm_params.model: provider "azure" is not supported: Spillway ' +
      'speaks the OpenAI API only (Azure OpenAI uses its own paths and api-version)',
    'router_settings.num_retries: expected a number >= 0, got -1',
    'spillway.port: expected a number <= 65535, got 70000',
    'spillway.log_level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"',
    'spillway.public_health: expected a boolean, got "maybe"',
  ]);
});

test('structural mistakes name the section', () => {
  assert.deepEqual(issuesOf(''), ['(root): expected a mapping with model_list']);
  assert.deepEqual(issuesOf('model_list: []'), ['model_list: expected at least one deployment']);
  assert.deepEqual(issuesOf('model_list: {}'), ['model_list: expected a list of deployments']);
  assert.deepEqual(issuesOf('model_list:\n  - model_name: x\n'), [
    'model_list[0].litellm_params: expected a mapping with model and api_base',
  ]);
  assert.deepEqual(issuesOf(`${minimal}general_settings:\n  master_key: 123456\n`), [
    'general_settings.master_key: expected a string (quote it in YAML)',
  ]);
  assert.deepEqual(issuesOf('model_list:\n  - litellm_params: { model: "openai/", api_base: "http://h" }\n'), [
    'model_list[0].model_name: expected a model group name',
    'model_list[0].litellm_params.model: expected a model name after "openai/"',
  ]);
});

test('YAML syntax errors give line and column', () => {
  assert.deepEqual(issuesOf('model_list: []\nmodel_list: []\n'), ['yaml: line 2, column 1: Map keys must be unique']);
});

test('unknown and unsupported keys are warned about with their path, and ignored', () => {
  const { config, warnings } = parseConfig(
    `
model_list:
  - model_name: chat
    litellm_params:
      model: openai/gpt-4o
      api_base: http://h:1
      api_version: "2024-02-01"
      stream_timout: 3
      frobnicate: true
    model_info:
      id: gpt-east
      mode: chat
litellm_settings:
  drop_params: true
router_settings:
  redis_host: localhost
general_settings:
  database_connection_pool_limit: 10
  max_parallel_requests: 10
spillway:
  prot: 4001
`,
    {},
  );
  assert.deepEqual(warnings, [
    'model_list[0].litellm_params.api_version: not supported by Spillway, ignored',
    'model_list[0].litellm_params.stream_timout: unknown key, ignored (did you mean "stream_timeout"?)',
    'model_list[0].litellm_params.frobnicate: unknown key, ignored',
    'model_list[0].model_info.mode: not supported by Spillway, ignored',
    'router_settings.redis_host: not supported by Spillway, ignored',
    'general_settings.database_connection_pool_limit: not supported by Spillway, ignored',
    'general_settings.max_parallel_requests: not supported by Spillway, ignored (use ' +
      'litellm_params.max_parallel_requests or router_settings.default_max_parallel_requests)',
    'spillway.prot: unknown key, ignored (did you mean "port"?)',
    'litellm_settings: not supported by Spillway, ignored',
  ]);
  assert.equal(config.deployments[0].id, 'gpt-east');
  assert.equal(config.deployments[0].firstByteTimeoutMs, 600_000);
  assert.equal(config.server.port, 4000);
});

test('ids: model_info.id when given, else <group>-<index in group>; unique and stable', () => {
  const entry = (group: string, id?: string | number) =>
    `  - model_name: ${group}\n    litellm_params: { model: openai/m, api_base: "http://h:1" }\n` +
    (id === undefined ? '' : `    model_info: { id: ${id} }\n`);
  const text = `model_list:\n${entry('a')}${entry('b')}${entry('a', 'a-2')}${entry('a')}${entry('b', 7)}`;
  const ids = parseConfig(text, {}).config.deployments.map((d) => d.id);
  assert.deepEqual(ids, ['a-0', 'b-0', 'a-2', 'a-2.1', '7']);
  assert.deepEqual(
    parseConfig(text, {}).config.deployments.map((d) => d.id),
    ids,
  );
  assert.deepEqual(issuesOf(`model_list:\n${entry('a', 'x')}${entry('b', 'x')}`), [
    'model_list[1].model_info.id: duplicate id "x" (also model_list[0])',
  ]);
});

test('times are seconds (fractions allowed) and become milliseconds; stream_timeout caps at timeout', () => {
  const { config } = parseConfig(
    `
model_list:
  - model_name: a
    litellm_params: { model: openai/m, api_base: "http://h:1", timeout: 2.5, stream_timeout: 0.25 }
  - model_name: a
    litellm_params: { model: openai/m, api_base: "http://h:1", stream_timeout: 900 }
  - model_name: a
    litellm_params: { model: openai/m, api_base: "http://h:1", max_parallel_requests: 4, weight: 0.5 }
router_settings:
  timeout: 60
  stream_timeout: 5
  cooldown_time: 1.5
  default_max_parallel_requests: 32
general_settings:
  max_request_size_mb: 0.5
`,
    {},
  );
  const [a, b, c] = config.deployments;
  assert.deepEqual([a.timeoutMs, a.firstByteTimeoutMs, a.maxParallelRequests], [2500, 250, 32]);
  assert.deepEqual([b.timeoutMs, b.firstByteTimeoutMs], [60_000, 60_000]);
  assert.deepEqual([c.timeoutMs, c.firstByteTimeoutMs, c.maxParallelRequests, c.weight], [60_000, 5000, 4, 0.5]);
  assert.equal(config.router.cooldown.cooldownTimeMs, 1500);
  assert.equal(config.server.maxRequestSizeBytes, 512 * 1024);
});

test('spillway.max_json_depth and fault_injection are read; a depth below 1 is refused', () => {
  const { config } = parseConfig(`${minimal}spillway:\n  max_json_depth: "64"\n  fault_injection: true\n`, {});
  assert.equal(config.server.maxJsonDepth, 64);
  assert.equal(config.server.faultInjection, true);
  assert.throws(() => parseConfig(`${minimal}spillway:\n  max_json_depth: 0\n`, {}), /spillway\.max_json_depth/);
});

test('routing_strategy is passed through for the router to validate', () => {
  const { config } = parseConfig(`${minimal}router_settings:\n  routing_strategy: kv-aware\n`, {});
  assert.equal(config.router.routingStrategy, 'kv-aware');
});

test('rpm/tpm beside litellm_params (older LiteLLM files) are read; litellm_params wins', () => {
  const { config } = parseConfig(
    minimal.replace(
      'api_base: http://127.0.0.1:8000/v1/',
      'api_base: http://h:1\n      tpm: 500\n    rpm: 10\n    tpm: 20',
    ),
    {},
  );
  assert.deepEqual([config.deployments[0].rpm, config.deployments[0].tpm], [10, 500]);
});

test('loadConfigFile reads a file; an unreadable one is a ConfigError naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-config-'));
  const file = join(dir, 'c.yaml');
  await writeFile(file, minimal);
  assert.equal((await loadConfigFile(file, {})).config.deployments[0].group, 'chat');
  await assert.rejects(loadConfigFile(join(dir, 'missing.yaml'), {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /missing\.yaml: cannot read the config file \(ENOENT\)/);
    return true;
  });
});

test('allowed_fails, when set, selects the allowed-fails policy; spillway.cooldown sets the rest', () => {
  const { config, warnings } = parseConfig(
    `${minimal}router_settings: { allowed_fails: 3 }
spillway:
  cooldown: { failure_rate_threshold: 0.25, min_requests: 20, window_ms: 30000, max_ejection_percent: 100, \
retry_after_cap_ms: "5000" }
`,
    {},
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.router.cooldown, {
    policy: 'allowed-fails',
    allowedFails: 3,
    cooldownTimeMs: 5000,
    failureRateThreshold: 0.25,
    minRequests: 20,
    windowMs: 30_000,
    maxEjectionPercent: 100,
    retryAfterCapMs: 5000,
  });
});

test('spillway.cooldown refuses out-of-range values', () => {
  const issues = issuesOf(
    `${minimal}spillway:\n  cooldown: { failure_rate_threshold: 0, max_ejection_percent: 101, min_requests: 0 }\n`,
  );
  assert.ok(
    issues.some((i) => i.startsWith('spillway.cooldown.failure_rate_threshold')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((i) => i.startsWith('spillway.cooldown.max_ejection_percent')),
    issues.join('\n'),
  );
  assert.ok(
    issues.some((i) => i.startsWith('spillway.cooldown.min_requests')),
    issues.join('\n'),
  );
});
