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
  /**
   * A string of the body replaced, in each request, by a fresh id of the same length (every occurrence by the
   * same id), so no two requests share a prompt: what a load test with a uuid per request sends.
   */
  freshToken?: string;
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
      ...(o.freshToken === undefined ? [] : freshLua(o.freshToken)),
    ].join('\n');
    const script = path.join(dir, 'post.lua');
    await writeFile(script, lua);
    const argv = pinned(
      [
        'wrk',
        '-t',
        String(o.threads ?? 1),
        '-c',
        String(o.connections),
        '-d',
        `${o.durationS}s`,
        '--latency',
        '-s',
        script,
        o.url,
      ],
      o.cpu,
    );
    const { stdout } = await exec(argv[0], argv.slice(1), { timeout: (o.durationS + 30) * 1000 });
    return parseWrk(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lua that cuts wrk.body at every `token` once, then joins the pieces with a new 36-character id per request. */
function freshLua(token: string): string[] {
  if (token.length !== 36) throw new Error('freshToken: a 36-character uuid-shaped string');
  return [
    `local token, parts, i = ${JSON.stringify(token)}, {}, 1`,
    'while true do',
    '  local a, b = string.find(wrk.body, token, i, true)',
    '  if not a then parts[#parts + 1] = wrk.body:sub(i) break end',
    '  parts[#parts + 1] = wrk.body:sub(i, a - 1)',
    '  i = b + 1',
    'end',
    'local n = 0',
    'request = function()',
    '  n = n + 1',
    '  local id = string.format("%08x-%04x-4%03x-8%03x-%012x", math.random(0, 0x7fffffff), n % 65536, ' +
      'math.random(0, 4095), math.random(0, 4095), n)',
    '  return wrk.format(nil, nil, nil, table.concat(parts, id))',
    'end',
  ];
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
