// `spillway engine` as a user runs it: starts, serves, reports its options, stops cleanly on SIGTERM.

import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { test } from 'node:test';

const main = new URL('../src/cli/main.ts', import.meta.url).pathname;

/** Starts `spillway engine` with `args`; resolves with the child and the URL its first line says it listens on. */
async function startEngine(
  args: string[],
): Promise<{ child: ChildProcessByStdio<null, Readable, Readable>; url: string }> {
  const child = spawn(process.execPath, [main, 'engine', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  if (url === undefined) child.kill('SIGKILL');
  assert.ok(url, out);
  return { child, url };
}

test('spillway engine serves on the given port and exits 0 on SIGTERM', async () => {
  const { child, url } = await startEngine(['--port', '0', '--model', 'cli-model', '--speedup', '50']);
  try {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as any;
    assert.equal(models.data[0].id, 'cli-model');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('spillway engine --help lists the options; a bad option is a clear error', () => {
  const help = spawnSync(process.execPath, [main, 'engine', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  for (const flag of ['--profile', '--speedup', '--num-blocks', '--max-num-queued-reqs', '--max-queue-ms']) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const bad = spawnSync(process.execPath, [main, 'engine', '--num-blocks', 'many'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /num-blocks/);
  const badProfile = spawnSync(process.execPath, [main, 'engine', '--profile', 'nope'], { encoding: 'utf8' });
  assert.match(badProfile.stderr, /unknown profile "nope"/);
});

test("spillway engine --profile applies the profile's engine block; flags override it", async () => {
  const blocks = async (...extra: string[]) => {
    const { child, url } = await startEngine(['--port', '0', '--profile', 'rtx4090-mistral-7b', ...extra]);
    try {
      return ((await (await fetch(`${url}/load`)).json()) as { kvBlocksTotal: number }).kvBlocksTotal;
    } finally {
      child.kill('SIGKILL');
    }
  };
  assert.equal(await blocks(), 3000);
  assert.equal(await blocks('--num-blocks', '500'), 500);
});
