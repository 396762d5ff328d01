/** Runs wrk (closed loop, fixed connections: the max-throughput probe) with a POST body, and parses its report. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pinned } from './procs.ts';

const exec = promisify(execFile);

export interface WrkOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  durationS: number;
  connections: number;
  threads?: number;
  cpu?: number;
}

export interface WrkResult {
  requests: number;
  rps: number;
  latencyMs: { p50: number; p75: number; p90: number; p99: number };
  non2xx: number;
  socketErrors: number;
  raw: string;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spillway-wrk-'));
  try {
    const bodyFile = path.join(dir, 'body.json');
    await writeFile(bodyFile, o.body);
    const headers = { 'Content-Type': 'application/json', ...o.headers };
    // The body is read from a file so a 16 KB prompt needs no quoting inside Lua.
    const lua = [
      'wrk.method = "POST"',
      `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))`,
      'wrk.body = f:read("*a")',
      'f:close()',
      ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
    ].join('\n');
    const script = path.join(dir, 'post.lua');
    await writeFile(script, lua);
    const argv = pinned(['wrk', '-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.durationS}s`, '--latency', '-s', script, o.url], o.cpu);
    const { stdout } = await exec(argv[0], argv.slice(1), { timeout: (o.durationS + 30) * 1000 });
    return parseWrk(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    latencyMs: { p50: pct('50'), p75: pct('75'), p90: pct('90'), p99: pct('99') },
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    raw: out,
  };
}
