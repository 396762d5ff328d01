import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from './load.ts';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const files = (await readdir(examplesDir)).filter((f) => /\.ya?ml$/.test(f)).sort();

/** Every `os.environ/NAME` the file references, set to a placeholder: the files document their variables. */
function envFor(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [, name] of readFileSync(path, 'utf8').matchAll(/os\.environ\/(\w+)/g))
    env[name] = name === 'DATABASE_URL' ? 'postgresql://placeholder@db/keys' : `placeholder-${name}`;
  return env;
}

test('examples/ holds the three documented configs', () => {
  for (const f of ['demo.yaml', 'litellm.yaml', 'vllm-fleet.yaml']) assert.ok(files.includes(f), f);
});

for (const f of files) {
  test(`examples/${f} loads without errors`, async () => {
    const path = examplesDir + f;
    const { config, warnings } = await loadConfigFile(path, envFor(path));
    assert.ok(config.deployments.length > 0);
    // Only the LiteLLM file carries keys Spillway ignores.
    if (f !== 'litellm.yaml') assert.deepEqual(warnings, []);
  });
}

test('the demo is one group over the two mocks npm start runs', async () => {
  const { config } = await loadConfigFile(`${examplesDir}demo.yaml`, {});
  assert.deepEqual(
    config.deployments.map((d) => [d.group, d.provider, d.apiBase]),
    [
      ['demo', 'openai', 'http://127.0.0.1:4101/v1'],
      ['demo', 'openai', 'http://127.0.0.1:4102/v1'],
    ],
  );
});

test('the LiteLLM example warns about what Spillway ignores and needs only the variables it uses', async () => {
  const { config, warnings } = await loadConfigFile(`${examplesDir}litellm.yaml`, {
    OPENAI_API_KEY: 'sk-test',
    DATABASE_URL: 'postgresql://litellm@db/litellm',
  });
  assert.ok(warnings.includes('litellm_settings: not supported by Spillway, ignored'));
  assert.ok(warnings.includes('router_settings.redis_host: not supported by Spillway, ignored'));
  // database_url holds API keys, as in LiteLLM (docs/KEYS.md).
  assert.deepEqual(config.keys?.store, { kind: 'postgres', url: 'postgresql://litellm@db/litellm' });
  assert.ok(warnings.includes('model_list[0].model_info.mode: not supported by Spillway, ignored'));
  assert.deepEqual(
    config.deployments.map((d) => d.id),
    ['fake-1', 'gpt-4o-0', 'text-embedding-3-small-0'],
  );
  assert.equal(config.server.masterKey, 'sk-1234');
});

test('the vLLM fleet example shares settings through a YAML merge key', async () => {
  const { config } = await loadConfigFile(`${examplesDir}vllm-fleet.yaml`, {
    VLLM_API_KEY: 'k',
    SPILLWAY_MASTER_KEY: 'm',
  });
  const llama = config.deployments.filter((d) => d.group === 'llama-3.1-8b');
  assert.deepEqual(
    llama.map((d) => [d.id, d.apiBase, d.upstreamModel, d.maxParallelRequests, d.firstByteTimeoutMs, d.weight]),
    [
      ['llama-a', 'http://10.0.0.11:8000/v1', 'meta-llama/Llama-3.1-8B-Instruct', 64, 10_000, 1],
      ['llama-b', 'http://10.0.0.12:8000/v1', 'meta-llama/Llama-3.1-8B-Instruct', 64, 10_000, 1],
      ['llama-c', 'http://10.0.0.13:8000/v1', 'meta-llama/Llama-3.1-8B-Instruct', 64, 10_000, 1],
      ['llama-d', 'http://10.0.0.14:8000/v1', 'meta-llama/Llama-3.1-8B-Instruct', 64, 10_000, 2],
    ],
  );
  assert.equal(config.router.routingStrategy, 'least-busy');
});
