import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from './load.ts';
import { issuesOf } from './test-helpers.ts';

const entry = (n: string) =>
  `  - { model_name: ${n}, litellm_params: { model: openai/x, api_base: "http://127.0.0.1:1/v1" } }`;
const groups = (...names: string[]) => `model_list:\n${names.map(entry).join('\n')}\n`;

test('no fallback key: no fallbacks, and nothing spills', () => {
  const { config, warnings } = parseConfig(groups('a'), {});
  assert.deepEqual(warnings, []);
  assert.equal(config.fallbacks, undefined);
  assert.deepEqual(config.spillover, new Map());
});

test("LiteLLM's shapes: a group's own list, and the '*' entry and default_fallbacks for the groups they omit", () => {
  const { config, warnings } = parseConfig(
    `${groups('a', 'b', 'c', 'd')}router_settings:
  fallbacks: [{ a: [b, c] }, { b: [b, d] }]
  default_fallbacks: [d]
  context_window_fallbacks: [{ a: [c] }]
  max_fallbacks: 2
`,
    {},
  );
  assert.deepEqual(warnings, []);
  const f = config.fallbacks!;
  // b's own entry names itself (LiteLLM skips it); d, the default, gets no default of its own.
  assert.deepEqual(
    [...f.general],
    [
      ['a', ['b', 'c']],
      ['b', ['d']],
      ['c', ['d']],
    ],
  );
  assert.deepEqual([...f.contextWindow!], [['a', ['c']]]);
  assert.equal(f.contentPolicy, undefined);
  assert.equal(f.maxFallbacks, 2);
  assert.equal(
    parseConfig(`${groups('a', 'b')}router_settings: { fallbacks: [{ a: [b] }] }`, {}).config.fallbacks!.maxFallbacks,
    5,
  );
});

test('a loop is refused at load, naming its path', () => {
  assert.deepEqual(
    issuesOf(`${groups('a', 'b', 'c')}router_settings:\n  fallbacks: [{ a: [b] }, { b: [c] }, { c: [a] }]\n`),
    ['router_settings.fallbacks: fallbacks loop: a → b → c → a'],
  );
  // Through the generic entry: c has no entry of its own, so "*" gives it a.
  assert.deepEqual(issuesOf(`${groups('a', 'b', 'c')}router_settings:\n  fallbacks: [{ a: [c] }, { "*": [a] }]\n`), [
    'router_settings.fallbacks: fallbacks loop: a → c → a',
  ]);
  // A default list naming several groups is no loop: they get no default of their own.
  assert.ok(parseConfig(`${groups('a', 'b', 'c')}router_settings: { default_fallbacks: [b, c] }`, {}).config.fallbacks);
});

test('a fallback that is no model group, or an entry of two groups, is refused', () => {
  assert.deepEqual(
    issuesOf(`${groups('a')}router_settings:\n  context_window_fallbacks: [{ a: [big] }, { x: [a], y: [a] }]\n`),
    [
      'router_settings.context_window_fallbacks[1]: expected one model group per entry, got 2',
      'router_settings.context_window_fallbacks: fallback "big" is no model group (known: a)',
    ],
  );
});

test('spillover: per group and class, a group override beside the defaults', () => {
  const { config } = parseConfig(
    `${groups('a', 'b', 'c')}spillway:
  spillover:
    enabled: true
    groups: { b: { classes: [critical] }, c: { enabled: false } }
`,
    {},
  );
  assert.deepEqual(
    [...config.spillover!],
    [
      ['a', [false, true, true]],
      ['b', [true, false, false]],
    ],
  );
  assert.deepEqual(issuesOf(`${groups('a')}spillway: { spillover: { groups: { z: {} } } }`), [
    'spillway.spillover.groups.z: no model group of that name',
  ]);
});
