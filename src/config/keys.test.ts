import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHEDDABLE } from '../admission/priority.ts';
import { hashKey } from '../tenants/key-hash.ts';
import { parseConfig } from './load.ts';
import { issuesOf } from './test-helpers.ts';

const models = 'model_list:\n  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://h:1" } }\n';
const master = 'general_settings: { master_key: sk-master }\n';
const withStatic = (...entries: string[]) =>
  `${models}${master}spillway:\n  keys:\n    static:\n${entries.map((e) => `      - ${e}\n`).join('')}`;

test('keys are off unless configured, exactly as before', () => {
  assert.equal(parseConfig(models + master, { DATABASE_URL: 'postgresql://db/keys' }).config.keys, undefined);
});

test('the store: database_url, else sqlite_path, else DATABASE_URL, else memory', () => {
  const keys = (yaml: string, env: NodeJS.ProcessEnv = {}) => parseConfig(models + yaml, env).config.keys?.store;
  assert.deepEqual(keys('general_settings: { master_key: k, database_url: "postgres://db/a" }\n'), {
    kind: 'postgres',
    url: 'postgres://db/a',
  });
  assert.deepEqual(
    keys(`${master}spillway: { keys: { sqlite_path: /tmp/k.db } }\n`, { DATABASE_URL: 'postgresql://x/y' }),
    {
      kind: 'sqlite',
      path: '/tmp/k.db',
    },
  );
  assert.deepEqual(keys(`${master}spillway: { keys: {} }\n`, { DATABASE_URL: 'postgresql://x/y' }), {
    kind: 'postgres',
    url: 'postgresql://x/y',
  });
  assert.deepEqual(keys(`${master}spillway: { keys: {} }\n`), { kind: 'sqlite', path: ':memory:' });
});

test('static keys: LiteLLM field names, hashed at load, the key never kept', () => {
  const { config } = parseConfig(
    withStatic(
      '{ key: os.environ/TEAM_KEY, key_alias: batch, priority: sheddable, rpm_limit: 60, budget_duration: 30d }',
    ),
    { TEAM_KEY: 'sk-team-key-1' },
  );
  const [k] = config.keys!.staticKeys;
  assert.equal(k.hash, hashKey('sk-team-key-1'));
  assert.equal(k.settings.alias, 'batch');
  assert.equal(k.settings.maxPriority, SHEDDABLE);
  assert.equal(k.settings.rpmLimit, 60);
  assert.equal(k.settings.budgetDurationMs, 30 * 86_400_000);
  assert.equal(JSON.stringify(config.keys).includes('sk-team-key-1'), false);
});

test('mistakes name their path', () => {
  assert.deepEqual(issuesOf(`${models}spillway: { keys: {} }\n`), [
    'general_settings.master_key: API keys (spillway.keys, database_url) need a master key to manage them',
  ]);
  assert.deepEqual(issuesOf(`${models}general_settings: { master_key: k, database_url: "mysql://db" }\n`), [
    'general_settings.database_url: expected a postgres:// or postgresql:// URL',
  ]);
  assert.deepEqual(issuesOf(withStatic('{ key: sk-aaaaaaaa, priority: urgent, budget_duration: monthly }')), [
    'spillway.keys.static[0].budget_duration: expected a duration such as 30s, 30m, 30h, 30d or 1mo',
    'spillway.keys.static[0].priority: expected one of "critical", "standard", "sheddable", got "urgent"',
  ]);
  assert.deepEqual(issuesOf(withStatic('{ key: sk-aaaaaaaa }', '{ key: sk-aaaaaaaa }', '{ key: sk-master }')), [
    'spillway.keys.static[1].key: declared twice',
    'spillway.keys.static[2].key: is the master key',
  ]);
});
