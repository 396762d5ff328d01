import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './load.ts';
import { issuesOf } from './test-helpers.ts';

/** A file of one group `g` whose deployments carry `params` (YAML flow mappings) in litellm_params. */
function file(params: string[], extra = ''): string {
  const entries = params.map(
    (p, i) => `  - model_name: g
    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:${8000 + i}/v1"${p === '' ? '' : `, ${p}`} }`,
  );
  return `model_list:\n${entries.join('\n')}\n${extra}`;
}

const weights = (text: string) => parseConfig(text, {}).config.deployments.map((d) => d.weight);

describe('simple-shuffle weights, as LiteLLM weighs them', () => {
  it('weight first: rpm and tpm are then only limits, and a deployment without weight counts 1', () => {
    assert.deepEqual(weights(file(['weight: 3, rpm: 10', 'rpm: 1000', 'tpm: 5'])), [3, 1, 1]);
  });
  it('no weight: by rpm; a deployment without rpm weighs the mean of the others', () => {
    assert.deepEqual(weights(file(['rpm: 6000', 'rpm: 2000, tpm: 9', ''])), [6000, 2000, 4000]);
  });
  it('no weight nor rpm: by tpm; rpm beside litellm_params counts too', () => {
    assert.deepEqual(weights(file(['tpm: 100', 'tpm: 300'])), [100, 300]);
    const older = `model_list:
  - model_name: g
    rpm: 30
    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:8000/v1" }
  - model_name: g
    rpm: 10
    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:8001/v1" }
`;
    assert.deepEqual(weights(older), [30, 10]);
  });
  it('none of them: uniform; each group decides for itself', () => {
    const text = `${file(['', ''])}  - model_name: h
    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9000/v1", rpm: 7 }
`;
    assert.deepEqual(weights(text), [1, 1, 7]);
  });
});

describe('tags, order and tag filtering', () => {
  it('are read without warnings; tag filtering is off unless enabled, and matches any tag by default', () => {
    const { config, warnings } = parseConfig(file(['tags: [free, default], order: 1', 'order: "2"']), {});
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.deployments[0].tags, ['free', 'default']);
    assert.equal(config.deployments[0].order, 1);
    assert.equal(config.deployments[1].order, 2);
    assert.equal(config.deployments[1].tags, undefined);
    assert.equal(config.router.tags, undefined);
    const on = parseConfig(file([''], 'router_settings: { enable_tag_filtering: true }\n'), {}).config;
    assert.deepEqual(on.router.tags, { matchAny: true });
    const all = 'router_settings: { enable_tag_filtering: "true", tag_filtering_match_any: false }\n';
    assert.deepEqual(parseConfig(file([''], all), {}).config.router.tags, { matchAny: false });
  });
  it('refuses tags that are not a list of strings and an order that is not a whole number', () => {
    const issues = issuesOf(file(['tags: free', 'order: 1.5']));
    assert.ok(
      issues.some((i) => i.startsWith('model_list[0].litellm_params.tags:')),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('model_list[1].litellm_params.order:')),
      issues.join('\n'),
    );
  });
});

describe('health checks', () => {
  it('are off by default', () => {
    assert.equal(parseConfig(file(['']), {}).config.healthChecks, undefined);
  });
  it('spillway.health_checks: present means on, with its defaults', () => {
    const { config } = parseConfig(
      file([''], 'spillway: { health_checks: { interval_ms: 500, path: /health } }\n'),
      {},
    );
    assert.deepEqual(config.healthChecks, {
      intervalMs: 500,
      timeoutMs: 2000,
      unhealthyThreshold: 2,
      healthyThreshold: 2,
      probe: 'models',
      path: '/health',
    });
    const off =
      'spillway: { health_checks: { enabled: false } }\ngeneral_settings: { background_health_checks: true }\n';
    assert.equal(parseConfig(file([''], off), {}).config.healthChecks, undefined);
  });
  it("LiteLLM's background_health_checks map onto the chat probe at health_check_interval, thresholds of 1", () => {
    const text = file([''], 'general_settings: { background_health_checks: true, health_check_interval: 30 }\n');
    const { config, warnings } = parseConfig(text, {});
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.healthChecks, {
      intervalMs: 30_000,
      timeoutMs: 10_000,
      unhealthyThreshold: 1,
      healthyThreshold: 1,
      probe: 'chat',
    });
  });
  it('refuses an unknown probe', () => {
    const issues = issuesOf(file([''], 'spillway: { health_checks: { probe: ping } }\n'));
    assert.ok(
      issues.some((i) => i.startsWith('spillway.health_checks.probe:')),
      issues.join('\n'),
    );
  });
});
