// `spillway bench` as a user runs it: the CLI against a real local server, writing its JSON and HTML reports.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { BenchResult } from '../src/bench/result.ts';
import { startFakeOpenAI } from '../src/bench/testing/fake-openai.ts';

const run = promisify(execFile);
const MAIN = path.resolve(import.meta.dirname, '../src/cli/main.ts');

test('spillway bench writes a table, the result JSON and a self-contained HTML report', async (t) => {
  const server = await startFakeOpenAI((n) =>
    n % 10 === 9 ? { status: 503, headers: { 'retry-after': '2' } } : { chunks: 3, gapMs: 2, usageTokens: 3 },
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-cli-'));
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const json = path.join(dir, 'r.json');
  const html = path.join(dir, 'r.html');
  const { stdout } = await run(process.execPath, [
    MAIN,
    'bench',
    '--url',
    server.url,
    '--model',
    'demo',
    '--rate',
    '100',
    '--arrival',
    'constant',
    '--duration',
    '1s',
    '--stream',
    '--sla-ttft-ms',
    '1000',
    '--sla-itl-ms',
    '500',
    '--json',
    json,
    '--html',
    html,
    '--label',
    'cli-smoke',
  ]);
  assert.match(stdout, /requests 100 {3}offered 100\/s {3}completed 90\/s {3}goodput 90\/s/);
  assert.match(stdout, /rejected: 503 × 10/);
  const result = JSON.parse(await readFile(json, 'utf8')) as BenchResult;
  assert.equal(result.schema, 'spillway-bench/1');
  assert.equal(result.label, 'cli-smoke');
  assert.equal(result.summary.retryAfterMs.p50, 2000);
  assert.equal(result.summary.outputTokens, 270);
  const page = await readFile(html, 'utf8');
  assert.match(page, /<svg /);
  assert.match(page, /cli-smoke/);
});

test('spillway bench rejects bad options with a message and a non-zero exit', async () => {
  await assert.rejects(
    run(process.execPath, [MAIN, 'bench', '--url', 'http://127.0.0.1:1', '--model', 'm']),
    (err: { stderr: string; code: number }) => {
      assert.match(err.stderr, /give --rate R \(open loop\) or --users N \(closed loop\)/);
      assert.notEqual(err.code, 0);
      return true;
    },
  );
});
