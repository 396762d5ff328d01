/**
 * The processes a scenario starts: each on 127.0.0.1 with a free port, optionally pinned to a CPU with taskset,
 * ready once its port accepts connections, and stopped (SIGTERM, then SIGKILL) by the group that started it —
 * on success, on failure and on Ctrl-C alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { NODE_FLAGS } from '../../util/node-flags.ts';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const CLI = path.join(REPO, 'src/cli/main.ts');

export interface Proc {
  name: string;
  pid: number;
  port: number;
  /** `http://127.0.0.1:port`. */
  url: string;
  /** Resident set size in MB, from /proc (undefined where there is none). */
  rssMb(): number | undefined;
  /** The largest resident set size the process has had, in MB (VmHWM). */
  peakRssMb(): number | undefined;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  /** Settles when the process exits, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The command and its arguments; `node` means this Node binary. */
  argv: readonly string[];
  /** The port the process was told to listen on; readiness is a successful TCP connect to it. */
  port: number;
  /** Pin to this CPU with taskset, when taskset exists. */
  cpu?: number;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export function hasBinary(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(path.join(dir, name)));
}

/** A port that was free a moment ago (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `taskset -c cpu argv...` when asked and possible (taskset exists, the CPU too), else argv as is. */
export function pinned(argv: readonly string[], cpu: number | undefined): string[] {
  const cmd = argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : [...argv];
  const canPin = cpu !== undefined && cpu < os.availableParallelism() && hasBinary('taskset');
  return canPin ? ['taskset', '-c', String(cpu), ...cmd] : cmd;
}

export class ProcGroup {
  private readonly procs: Proc[] = [];
  private readonly children = new Set<ChildProcess>();

  async start(name: string, o: StartOptions): Promise<Proc> {
    const [cmd, ...args] = pinned(o.argv, o.cpu);
    const child = spawn(cmd, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const exited = exit.then((e) => e.code);
    child.once('exit', () => this.children.delete(child));
    const proc: Proc = {
      name,
      pid: child.pid ?? -1,
      port: o.port,
      url: `http://127.0.0.1:${o.port}`,
      rssMb: () => statusMb(child.pid, 'VmRSS'),
      peakRssMb: () => statusMb(child.pid, 'VmHWM'),
      output: () => tail,
      exited: exit,
      stop: () => stopChild(child, exited),
    };
    this.procs.push(proc);
    const ready = await Promise.race([
      waitForPort(o.port, o.readyTimeoutMs ?? 20_000),
      exited.then((code) => `exited with ${code}`),
    ]);
    if (ready !== true)
      throw new Error(`${name} did not start (${ready === false ? 'port never opened' : ready}):\n${tail}`);
    return proc;
  }

  /**
   * Starts a Node CLI subcommand (`spillway <cmd> ...`) on a fresh port (or `extra.port`, to restart a process
   * where it was) passed as `--port`, with the flags bin/spillway.js runs with, plus `extra.nodeFlags` (a probe to
   * preload, say) and `extra.env`.
   */
  async spillway(
    name: string,
    cmd: string,
    args: readonly string[],
    cpu?: number,
    extra: { nodeFlags?: readonly string[]; env?: Record<string, string>; port?: number } = {},
  ): Promise<Proc> {
    const port = extra.port ?? (await freePort());
    const argv = ['node', ...NODE_FLAGS, ...(extra.nodeFlags ?? []), CLI, cmd, '--port', String(port), ...args];
    return this.start(name, { argv, port, ...(cpu !== undefined && { cpu }), ...(extra.env && { env: extra.env }) });
  }

  async stop(proc: Proc): Promise<void> {
    await proc.stop();
    this.procs.splice(this.procs.indexOf(proc), 1);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.splice(0).map((p) => p.stop()));
  }

  /** Synchronous last resort for process exit: every child still running gets SIGKILL. */
  killAllNow(): void {
    for (const c of this.children) c.kill('SIGKILL');
  }

  /**
   * No child outlives the bench: SIGINT/SIGTERM kill them and exit 130, and any exit kills what is left.
   * Returns what takes the signal handlers off again once the run is over.
   */
  killOnExit(): () => void {
    const interrupted = () => {
      this.killAllNow();
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    process.once('exit', () => this.killAllNow());
    return () => {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
    };
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
