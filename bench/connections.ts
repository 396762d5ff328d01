// Idle-socket flood against `spillway serve` in its own process (issue 10, finding 3): N sockets that never send
// a byte, the ops port's liveness latency while they are held and the public port is at its connection cap, and
// how long until the gateway has closed them all.
//   node bench/connections.ts [--sockets 2000] [--header-timeout-ms 10000] [--max-connections 1000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startMock } from '../src/mock/server.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '2000' },
    'header-timeout-ms': { type: 'string', default: '10000' },
    'max-connections': { type: 'string', default: '1000' },
  },
});
const sockets = Number(values.sockets);
const headerTimeoutMs = Number(values['header-timeout-ms']);
const maxConnections = Number(values['max-connections']);

const mock = await startMock({ port: 0 });
const dir = await mkdtemp(join(tmpdir(), 'spillway-'));
const config = join(dir, 'config.yaml');
await writeFile(
  config,
  `model_list:\n  - { model_name: m, litellm_params: { model: openai/x, api_base: "${mock.url}/v1" } }\n` +
    `spillway:\n  header_timeout_ms: ${headerTimeoutMs}\n  max_connections: ${maxConnections}\n  ops_port: 0\n`,
);
const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--config', config, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let url = '';
let opsUrl = '';
for await (const line of createInterface({ input: child.stdout! })) {
  const m = /"url":"([^"]+)","ops_url":"([^"]+)"/.exec(line);
  if (m) {
    [, url, opsUrl] = m;
    break;
  }
}
child.stdout!.resume();

const { hostname, port } = new URL(url);
let closed = 0;
let closedEarly = 0;
let lastClosedAt = 0;
const started = performance.now();
// Batches of 100: a burst of thousands of connects overflows the listen backlog (node: 511), and a handshake
// the kernel dropped leaves a client socket open that the gateway never saw.
function openIdle(): Promise<net.Socket> {
  const s = net.connect(Number(port), hostname);
  s.on('error', () => {});
  s.resume(); // reads what the gateway sends (its 408), so its close is seen
  s.on('close', () => {
    closed++;
    lastClosedAt = performance.now();
    // Well before the head timeout: closed at accept, over the cap.
    if (lastClosedAt - started < headerTimeoutMs / 2) closedEarly++;
  });
  return once(s, 'connect').then(() => s);
}
const opened: net.Socket[] = [];
for (let i = 0; i < sockets; i += 100)
  opened.push(...(await Promise.all(Array.from({ length: Math.min(100, sockets - i) }, openIdle))));
const floodedAt = performance.now();

async function latencyMs(target: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${target}/health/liveness`);
  await res.text();
  if (res.status !== 200) throw new Error(`liveness ${res.status}`);
  return performance.now() - t0;
}
const samples: number[] = [];
for (let i = 0; i < 20; i++) samples.push(await latencyMs(opsUrl));
samples.sort((a, b) => a - b);
// The public port, for contrast: at its cap it closes the probe's connection at accept.
const publicProbe = await fetch(`${url}/v1/models`).then(
  (r) => `status ${r.status}`,
  (e: Error) => `refused (${e.message})`,
);

while (closed < sockets && performance.now() - floodedAt < headerTimeoutMs * 3)
  await new Promise((r) => setTimeout(r, 50));
console.log(
  JSON.stringify({
    sockets,
    header_timeout_ms: headerTimeoutMs,
    max_connections: maxConnections,
    closed_at_accept: closedEarly,
    ops_liveness_ms: { p50: +samples[10].toFixed(2), max: +samples[19].toFixed(2) },
    public_port_models: publicProbe,
    all_closed: closed === sockets,
    still_open: sockets - closed,
    last_closed_after_ms_from_flood: Math.round(lastClosedAt - floodedAt),
    flood_took_ms: Math.round(floodedAt - started),
  }),
);
for (const s of opened) s.destroy();
child.kill('SIGKILL');
await mock.close();
