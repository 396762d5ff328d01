import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { freePort, hasBinary } from './procs.ts';

/**
 * Why a Redis test skips: never in CI (.ci/run installs redis-server, so a missing binary fails the test
 * there), otherwise only when the binary is missing.
 */
export const REDIS_SKIP: string | false =
  !process.env.CI && !hasBinary('redis-server') && 'redis-server is not installed (apt-get install redis-server)';

/**
 * A real `redis-server` on 127.0.0.1 and a free port, without persistence (`--save '' --appendonly no`), so a
 * restart starts from an empty data set as a crashed Redis without persistence would.
 */
export class RedisServer {
  readonly port: number;
  private child: ChildProcess | undefined = undefined;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port); resolves once it accepts connections. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    let ready = false;
    for await (const line of createInterface({ input: child.stdout! })) {
      ready = line.includes('Ready to accept connections');
      if (ready) break;
    }
    child.stdout!.resume();
    if (!ready) throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** SIGKILL, as a crash: no goodbye to its clients. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}
