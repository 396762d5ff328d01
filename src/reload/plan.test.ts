import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/load.ts';
import { planReload } from './plan.ts';

const entry = (id: string) =>
  `  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://h/v1" }, model_info: { id: ${id} } }`;
const file = (extra: string, ids = ['a', 'b']) =>
  parseConfig(`model_list:\n${ids.map(entry).join('\n')}\n${extra}`, {}).config;

test('a reload takes the new model list and keeps every other section, naming the ones that changed', () => {
  const running = file('spillway: { port: 4000 }\n');
  const next = file('spillway: { port: 5000 }\nrouter_settings: { num_retries: 7 }\n', ['a', 'c']);
  const plan = planReload(running, next, false);
  assert.equal(plan.refused, undefined);
  assert.deepEqual(
    plan.config.deployments.map((d) => d.id),
    ['a', 'c'],
  );
  assert.equal(plan.config.server.port, 4000);
  assert.equal(plan.config.router, running.router);
  assert.equal(plan.needsRestart.length, 2);
  assert.match(plan.needsRestart.join('\n'), /spillway server settings/);
  assert.match(plan.needsRestart.join('\n'), /router_settings/);
});

test('with other instances the deployment ids and their order must stay; their settings may change', () => {
  const running = file('');
  assert.match(planReload(running, file('', ['a', 'c']), true).refused ?? '', /restart/);
  assert.match(planReload(running, file('', ['b', 'a']), true).refused ?? '', /restart/);
  assert.equal(planReload(running, file('router_settings: { num_retries: 3 }\n'), true).refused, undefined);
});
