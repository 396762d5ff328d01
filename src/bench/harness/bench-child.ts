/** Runs `spillway bench` as a child process (so it can be pinned to its own CPU) and returns its result JSON. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchResult } from '../result.ts';
import { CLI, pinned } from './procs.ts';

const exec = promisify(execFile);

export async function benchChild(args: readonly string[], cpu?: number, timeoutMs = 15 * 60_000): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spillway-bench-'));
  try {
    const json = path.join(dir, 'result.json');
    const argv = pinned(['node', CLI, 'bench', '--quiet', '--json', json, ...args], cpu);
    await exec(argv[0], argv.slice(1), { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return JSON.parse(await readFile(json, 'utf8')) as BenchResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An open-loop `spillway bench` run judged against an SLA: the arguments every scenario spells the same way. */
export interface SlaRun {
  url: string;
  model: string;
  rate: number;
  durationS: number;
  warmupS: number;
  timeoutS: number;
  sla: { ttftMs: number; itlMs: number };
}

export function slaRunArgs(r: SlaRun): string[] {
  return [
    '--url',
    r.url,
    '--model',
    r.model,
    '--rate',
    String(r.rate),
    '--duration',
    `${r.durationS}s`,
    '--warmup',
    `${r.warmupS}s`,
    '--timeout',
    `${r.timeoutS}s`,
    '--sla-ttft-ms',
    String(r.sla.ttftMs),
    '--sla-itl-ms',
    String(r.sla.itlMs),
  ];
}
