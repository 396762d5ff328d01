import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from './load.ts';
import { issuesOf } from './test-helpers.ts';

const entry = (info: string) =>
  `model_list:\n  - model_name: a\n    litellm_params: { model: openai/m, api_base: "http://h:1" }\n` +
  `    model_info: ${info}\n`;

test('model_info token prices (LiteLLM names) reach the deployment; absent, they stay unset (priced 0)', () => {
  const { config, warnings } = parseConfig(
    entry('{ input_cost_per_token: 0.000001, output_cost_per_token: 2e-6 }'),
    {},
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.deployments[0].inputCostPerToken, 0.000001);
  assert.equal(config.deployments[0].outputCostPerToken, 0.000002);
  const plain = parseConfig(entry('{ id: x }'), {}).config.deployments[0];
  assert.equal(plain.inputCostPerToken, undefined);
  assert.equal(plain.outputCostPerToken, undefined);
});

test('a negative or non-numeric price is refused, naming the key', () => {
  const issues = issuesOf(entry('{ input_cost_per_token: -1, output_cost_per_token: cheap }'));
  assert.equal(issues.length, 2);
  assert.match(issues[0], /^model_list\[0\]\.model_info\.input_cost_per_token: /);
  assert.match(issues[1], /^model_list\[0\]\.model_info\.output_cost_per_token: /);
});
