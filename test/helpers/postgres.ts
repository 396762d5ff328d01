/**
 * A real, throwaway PostgreSQL for tests: initdb into a temporary directory, `postgres` on a free port with its
 * socket in that directory. As root it runs as the `postgres` user (postgres refuses root). Missing binaries:
 * `postgresAvailable()` says why, so a test can skip locally; CI installs the `postgresql` package (.ci/run).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort().reverse())
      if (existsSync(join(root, v, 'bin', 'postgres'))) return join(root, v, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'postgres'))) return dir;
  return undefined;
}

const BIN = binDir();
const AS_ROOT = process.getuid?.() === 0;

/** undefined when a server can be started here, else why not. */
export function postgresAvailable(): string | undefined {
  if (BIN === undefined) return 'postgres is not installed (apt-get install postgresql)';
  if (AS_ROOT) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run the server as';
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as { port: number };
  s.close();
  await once(s, 'close');
  return port;
}

function command(bin: string, args: string[]): [string, string[]] {
  const path = join(BIN!, bin);
  return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export interface TestPostgres {
  readonly url: string;
  /** Stops the server (fast shutdown: sessions are cut); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'spillway-pg-'));
  if (AS_ROOT) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    await chown(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = command('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  let proc: ChildProcess | undefined;

  async function start(): Promise<void> {
    const [cmd, args] = command('postgres', [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
    ]);
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    // postgres logs to stderr; this line is its own signal that connections are accepted.
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('ready to accept connections')) {
          p.stderr!.off('data', onData);
          p.stderr!.resume();
          resolve();
        }
      };
      p.stderr!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`)));
    });
  }

  async function stop(): Promise<void> {
    const p = proc;
    proc = undefined;
    if (p === undefined || p.exitCode !== null) return;
    const exited = once(p, 'exit');
    // SIGINT to the postmaster itself (its pid file), a fast shutdown: runuser, in between, does not pass it on.
    const pid = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGINT');
    await exited;
  }

  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
