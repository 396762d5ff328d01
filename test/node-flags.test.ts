// Every way of starting Spillway runs with the same V8 flags (src/util/node-flags.ts says why they exist).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NODE_FLAGS } from '../src/util/node-flags.ts';

const read = (rel: string) => readFileSync(new URL(`../${rel}`, import.meta.url), 'utf8');

test("bin/spillway.js's shebang passes NODE_FLAGS to node", () => {
  assert.equal(read('bin/spillway.js').split('\n')[0], `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});

test('the npm scripts that start the gateway pass NODE_FLAGS', () => {
  const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  for (const name of ['start', 'spillway'])
    assert.ok(scripts[name].startsWith(`node ${NODE_FLAGS.join(' ')} src/cli/main.ts`), `${name}: ${scripts[name]}`);
});
