import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const base = `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://127.0.0.1:9/v1" } }
`;

it('spillway.cluster: redis_url and the defaults', () => {
  const { config, warnings } = parseConfig(`${base}spillway:\n  cluster: { redis_url: "redis://r:6379/0" }\n`, {});
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.cluster, {
    redisUrl: 'redis://r:6379/0',
    keyPrefix: 'spillway',
    syncIntervalMs: 5,
    memberTtlMs: 2000,
    timeoutMs: 100,
  });
});

it('spillway.cluster: absent means alone; a URL that is not redis is refused', () => {
  assert.equal(parseConfig(base, {}).config.cluster, undefined);
  assert.throws(
    () => parseConfig(`${base}spillway:\n  cluster: { redis_url: "http://r" }\n`, {}),
    (e: unknown) => e instanceof ConfigError && /spillway\.cluster\.redis_url/.test(String(e)),
  );
});
