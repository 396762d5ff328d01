import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from './load.ts';
import { issuesOf } from './test-helpers.ts';

const minimal = `
model_list:
  - model_name: chat
    litellm_params:
      model: openai/gpt-4o
      api_base: http://127.0.0.1:8000/v1/
`;

test('os.environ/NAME reads the environment, for any string value', () => {
  const { config } = parseConfig(
    `
model_list:
  - model_name: chat
    litellm_params:
      model: os.environ/MODEL
      api_base: os.environ/BASE
      api_key: os.environ/KEY
      rpm: os.environ/RPM
general_settings:
  master_key: os.environ/MASTER
spillway:
  public_metrics: os.environ/PUBLIC
`,
    {
      MODEL: 'hosted_vllm/qwen',
      BASE: 'http://10.0.0.1:8000/v1',
      KEY: 'sk-up',
      RPM: '600',
      MASTER: 'sk-m',
      PUBLIC: 'false',
    },
  );
  const [d] = config.deployments;
  assert.equal(d.provider, 'hosted_vllm');
  assert.equal(d.upstreamModel, 'qwen');
  assert.equal(d.apiBase, 'http://10.0.0.1:8000/v1');
  assert.equal(d.apiKey, 'sk-up');
  assert.equal(d.rpm, 600);
  assert.equal(config.server.masterKey, 'sk-m');
  assert.equal(config.server.publicMetrics, false);
});

test('a missing environment variable is an error naming the path and the variable, once', () => {
  const issues = issuesOf(
    minimal.replace(
      'api_base: http://127.0.0.1:8000/v1/',
      'api_base: os.environ/UPSTREAM_URL\n      api_key: os.environ/',
    ),
  );
  assert.deepEqual(issues, [
    'model_list[0].litellm_params.api_base: environment variable ' +
      'UPSTREAM_URL is not set (referenced as os.environ/UPSTREAM_URL)',
    'model_list[0].litellm_params.api_key: expected a variable name after os.environ/',
  ]);
});

test('a missing environment variable under an ignored key is not an error', () => {
  const { warnings } = parseConfig(`${minimal}router_settings:\n  redis_password: os.environ/REDIS_PASSWORD\n`, {});
  assert.deepEqual(warnings, ['router_settings.redis_password: not supported by Spillway, ignored']);
});
