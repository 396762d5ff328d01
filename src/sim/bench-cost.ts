/**
 * Cost of the simulator itself: one engine process at --speedup 1 under N concurrent streaming requests
 * (closed loop: each finished stream is replaced at once). Reports the engine's CPU (from /proc, one core =
 * 100%), the tokens/s clients received, and the streams in flight.
 *
 *   node src/sim/bench-cost.ts [--streams 256,512] [--seconds 15] [--max-tokens 256] [-- extra engine flags]
 *
 * The client runs in this process on the same machine, so on 2 cores it competes with the engine; the
 * engine's CPU share is what is measured.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { cpuMark, cpuSince } from '../util/cpu-window.ts';

const { values, positionals } = parseArgs({
  options: {
    streams: { type: 'string', default: '256,512' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '4' },
    'max-tokens': { type: 'string', default: '256' },
  },
  allowPositionals: true,
});
const engineArgs = positionals.length > 0 ? positionals : ['--max-num-seqs', '1024', '--num-blocks', '65536'];

async function startEngineProcess() {
  const main = new URL('../cli/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'engine', '--port', '0', ...engineArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    out += chunk;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) return { child, url: new URL(m[1]) };
  }
  throw new Error(`engine did not start: ${out}`);
}

async function measure(url: URL, pid: number, streams: number, seconds: number, warmup: number, maxTokens: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: streams });
  const body = JSON.stringify({
    model: 'sim-llama',
    messages: [{ role: 'user', content: 'Tell me about rivers and the sea, briefly.' }],
    max_tokens: maxTokens,
    stream: true,
  });
  let tokens = 0;
  let stop = false;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/v1/chat/completions',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.setEncoding('latin1');
          res.on('data', (s: string) => {
            for (let i = s.indexOf('{"content":"'); i >= 0; i = s.indexOf('{"content":"', i + 12)) tokens++;
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const loops = Array.from({ length: streams }, async () => {
    while (!stop) await one();
  });
  await sleep(warmup * 1000);
  const mark = cpuMark(pid);
  const k0 = tokens;
  const inFlight: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    const load = (await (await fetch(new URL('/load', url))).json()) as { running: number; waiting: number };
    inFlight.push(load.running + load.waiting);
  }
  const measured = cpuSince(mark);
  const elapsed = measured.wallS;
  const cpu = (measured.procCpuS ?? NaN) / elapsed;
  const tps = (tokens - k0) / elapsed;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return {
    streams,
    inFlight: Math.round(inFlight.reduce((a, b) => a + b, 0) / inFlight.length),
    tokensPerSec: Math.round(tps),
    engineCpuPct: +(cpu * 100).toFixed(1),
  };
}

const { child, url } = await startEngineProcess();
try {
  console.log(`engine: ${engineArgs.join(' ')} (pid ${child.pid}), --speedup 1`);
  for (const n of values.streams.split(',').map(Number)) {
    const r = await measure(
      url,
      child.pid!,
      n,
      Number(values.seconds),
      Number(values.warmup),
      Number(values['max-tokens']),
    );
    console.log(
      `streams ${r.streams}: in flight ${r.inFlight}, ${r.tokensPerSec} tokens/s received, ` +
        `engine CPU ${r.engineCpuPct}% of a core` +
        ` (${Math.round(r.tokensPerSec / Math.max(r.engineCpuPct, 0.1))} tokens/s per 1% CPU)`,
    );
  }
} finally {
  child.kill('SIGTERM');
}
