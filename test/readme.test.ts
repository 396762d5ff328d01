// The configuration shown in the README loads without errors or warnings.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { parseConfig } from '../src/config/load.ts';

it("the README's YAML configuration is valid", async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README has a yaml block');
  const { config, warnings } = parseConfig(block[1], { VLLM_API_KEY: 'k', SPILLWAY_MASTER_KEY: 'm' });
  assert.deepEqual(warnings, []);
  assert.equal(config.deployments[0].group, 'llama-3.1-8b');
});
