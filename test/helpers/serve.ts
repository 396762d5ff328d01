import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServedGateway {
  child: ChildProcess;
  url: string;
  /** The config file it was started with (rewrite it, then SIGHUP, to reload). */
  configPath: string;
  /** The ops listener's URL when the config sets spillway.ops_port. */
  opsUrl: string | undefined;
  /** Every stdout line after the listening one, as it is written (JSON log lines). */
  lines: string[];
  /** SIGKILL unless it already exited. */
  kill(): Promise<void>;
}

/**
 * `spillway serve` in its own process, from YAML text, on 127.0.0.1 and a free port. For what depends on the
 * gateway and its client not sharing an event loop (a socket closed while the client is still writing) and
 * for signals.
 */
export async function serveGateway(yaml: string, args: readonly string[] = []): Promise<ServedGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, yaml);
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--config', config, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let line: string | undefined;
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  // Read every line, so the child never blocks on a full stdout pipe.
  const listening = new Promise<void>((resolve) => {
    reader.on('line', (l) => {
      if (line === undefined && l.includes('"url":"')) {
        line = l;
        resolve();
      } else if (line !== undefined) lines.push(l);
    });
    reader.on('close', resolve);
  });
  await listening;
  assert.ok(line, 'the gateway logged its URL');
  const { url, ops_url: opsUrl } = JSON.parse(line) as { url: string; ops_url?: string };
  return {
    child,
    url,
    configPath: config,
    opsUrl,
    lines,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
