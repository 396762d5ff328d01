// What sharing limits and load between the workers of one process costs per request, against the candidates
// issue 14 names: the shared-state work of one request (a deployment's rpm and parallel checks, hold and give
// back; four load-row changes: dispatch, first token, a chunk, end; one reconciled read per engine of 4)
// alone (SOLO: local counters, rows no one reads), in shared memory (SharedArrayBuffer + Atomics, what
// `--workers` uses), and one round trip to a coordinator: a MessagePort between two worker threads, and the
// IPC channel node:cluster workers talk to their primary over (a pipe and JSON).
// Run: node bench/micro/cluster-share.ts
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { LocalCounters } from '../../src/cluster/local-counters.ts';
import { soloCluster } from '../../src/cluster/solo.ts';
import type { DeploymentCounters, LoadShare } from '../../src/cluster/types.ts';
import { SharedCounters } from '../../src/cluster/workers/counters.ts';
import { SharedLoad } from '../../src/cluster/workers/load-share.ts';
import { SharedMemory } from '../../src/cluster/workers/shared-memory.ts';

const ENGINES = 4;
const N = 1_000_000;

function perRequest(counters: DeploymentCounters, share: LoadShare): () => number {
  const own = Array.from({ length: ENGINES }, () => ({ inFlight: 0, queuedPrefillTokens: 0, activeTokens: 0 }));
  share.attach(own);
  return () => {
    let seen = 0;
    if (counters.inFlight() < 1e9 && counters.requests() < 1e9) counters.hold();
    for (let i = 0; i < ENGINES; i++) seen += share.others[i]!.activeTokens + own[i]!.activeTokens;
    for (let k = 0; k < 4; k++) {
      own[0]!.activeTokens += 1;
      share.changed(0);
    }
    own[0]!.activeTokens -= 4;
    counters.giveBack(10);
    return seen;
  };
}

function time(name: string, step: () => number): void {
  const rounds: number[] = [];
  let sink = 0;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) sink += step();
    rounds.push(((performance.now() - t0) * 1000) / N);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${rounds[3]!.toFixed(3)} µs/request (median of 7 × ${N})${sink < 0 ? '!' : ''}`);
}

async function roundTrips(name: string, send: (n: number) => void, next: () => Promise<unknown>): Promise<void> {
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const reply = next();
    send(i);
    await reply;
  }
  console.log(`${name.padEnd(44)} ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs per round trip`);
}

const solo = soloCluster(() => performance.now());
time('SOLO (local counters, no readers)', perRequest(new LocalCounters(() => performance.now()), solo.load));
const memory = new SharedMemory(SharedMemory.allocate(4, ENGINES), 4, ENGINES);
time('shared memory, 4 workers', perRequest(new SharedCounters(memory, 0, 1), new SharedLoad(memory, 1)));

const { port1, port2 } = new MessageChannel();
const echo = new Worker(
  'const { parentPort } = require("node:worker_threads"); parentPort.once("message", (p) => p.on("message", (m) => p.postMessage(m)));',
  { eval: true },
);
echo.postMessage(port2, [port2]);
await roundTrips(
  'coordinator: MessagePort to a worker thread',
  (i) => port1.postMessage(i),
  () => once(port1, 'message'),
);
port1.close();
await echo.terminate();

const child = spawn(process.execPath, ['-e', 'process.on("message", (m) => process.send(m))'], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
await roundTrips(
  'coordinator: node:cluster-style IPC to a process',
  (i) => child.send(i),
  () => once(child, 'message'),
);
child.kill();
