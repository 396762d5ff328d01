/**
 * The main thread of `spillway serve --workers N`: it lays out the shared memory, starts N worker threads
 * (./worker-main.ts; the first one alone, so a port 0 becomes the port every other worker then shares),
 * answers their questions about the whole gateway (health, metrics, admin: it asks every worker for its part,
 * ./ops-relay.ts) and drains them all on SIGTERM. It serves no traffic itself.
 *
 * A worker that dies unasked is logged, its shared rows are cleared (its attempts died with it), and it is
 * started again on the same port; more than MAX_RESTARTS in a minute and the supervisor gives up: every
 * worker is stopped and `run` resolves 1.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { SharedMemory } from '../../cluster/workers/shared-memory.ts';
import type { GatewayConfig } from '../../config/types.ts';
import { COMBINE } from './ops-relay.ts';
import type { FromWorker, GatewayQuestion, ToWorker, WorkerPart, WorkerStart } from './protocol.ts';

const MAX_RESTARTS = 5;
/** How long a worker may take to give its part of an answer (a busy worker is slow, a dead one silent). */
const COLLECT_TIMEOUT_MS = 5000;
const ENTRY = new URL('./worker-main.ts', import.meta.url);

export interface SupervisorOptions {
  configPath: string;
  config: GatewayConfig;
  workers: number;
  host: string;
  port: number;
  log: Logger;
}

interface Collection {
  parts: unknown[];
  waiting: number;
  done(parts: unknown[]): void;
}

export class Supervisor {
  private readonly o: SupervisorOptions;
  private readonly threads: (Worker | undefined)[];
  private readonly exits: Promise<unknown>[] = [];
  /** The workers listening now (the others are starting, or starting again). */
  private readonly listening = new Set<number>();
  private readonly memory: SharedMemory;
  private readonly start: Omit<WorkerStart, 'worker'>;
  private readonly collections = new Map<number, Collection>();
  private nextCollection = 0;
  private draining = false;
  private restarts: number[] = [];
  private failed: ((code: number) => void) | undefined;
  readonly failure: Promise<number>;

  constructor(o: SupervisorOptions) {
    this.o = o;
    this.threads = new Array(o.workers).fill(undefined);
    const ids = o.config.deployments.map((d) => d.id);
    const buffer = SharedMemory.allocate(o.workers, ids.length);
    this.memory = new SharedMemory(buffer, o.workers, ids.length);
    this.start = {
      configPath: o.configPath,
      host: o.host,
      port: o.port,
      opsPort: o.config.server.opsPort,
      workers: o.workers,
      deploymentIds: ids,
      buffer,
      channel: `spillway-workers-${process.pid}-${Date.now()}`,
    };
    this.failure = new Promise((resolve) => {
      this.failed = resolve;
    });
  }

  /** Starts every worker; resolves with the public and ops URLs once all listen, or stops them all and throws. */
  async run(): Promise<{ url: string; opsUrl: string | undefined }> {
    try {
      const first = await this.spawn(0);
      this.start.port = Number(new URL(first.url).port);
      if (first.opsUrl !== undefined) this.start.opsPort = Number(new URL(first.opsUrl).port);
      await Promise.all(this.threads.slice(1).map((_, i) => this.spawn(i + 1)));
      return first;
    } catch (err) {
      await this.drain(0, 0);
      throw err;
    }
  }

  /** SIGHUP: every worker re-reads the config file and applies it on its own (src/reload). */
  reload(): void {
    for (const t of this.threads) if (t !== undefined) this.send(t, { kind: 'reload' });
  }

  /** Drains every worker (each with the gateway's own shutdown); true when none had to cut a request off. */
  async drain(delayMs: number, graceMs: number): Promise<boolean> {
    this.draining = true;
    const stopped = this.threads.map(async (t, index) => {
      if (t === undefined) return true;
      const said = new Promise<boolean>((resolve) => {
        t.on('message', (m: FromWorker) => m.kind === 'stopped' && resolve(m.clean));
        t.once('exit', () => resolve(false));
      });
      this.send(t, { kind: 'drain', delayMs, graceMs });
      const clean = await said;
      await this.exits[index];
      return clean;
    });
    return (await Promise.all(stopped)).every(Boolean);
  }

  private spawn(index: number): Promise<{ url: string; opsUrl: string | undefined }> {
    const t = new Worker(ENTRY, { workerData: { ...this.start, worker: index } satisfies WorkerStart });
    this.threads[index] = t;
    this.exits[index] = once(t, 'exit');
    return new Promise((resolve, reject) => {
      t.on('message', (m: FromWorker) => {
        if (m.kind === 'listening') {
          this.listening.add(index);
          resolve(m);
        } else if (m.kind === 'ask') this.answer(t, m.id, m.what);
        else if (m.kind === 'collected') this.collected(m.id, m.value);
      });
      t.on('error', (err) => this.o.log.error({ worker: index, err }, 'worker failed'));
      t.on('exit', (code) => {
        if (this.threads[index] === t) this.threads[index] = undefined;
        const served = this.listening.delete(index);
        reject(new Error(`worker ${index} exited (code ${code}) before it listened`));
        // One that never listened (a bad config, a port in use) would only fail again.
        if (served && !this.draining) this.restart(index, code);
      });
    });
  }

  private restart(index: number, code: number): void {
    this.memory.clearWorker(index);
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < 60_000), now];
    if (this.restarts.length > MAX_RESTARTS) {
      this.o.log.error({ worker: index, code, restarts: this.restarts.length }, 'workers keep exiting: stopping');
      void this.drain(0, this.o.config.server.drainGraceMs).then(() => this.failed?.(1));
      return;
    }
    this.o.log.error({ worker: index, code }, 'worker exited: starting it again');
    this.spawn(index).catch((err: Error) => this.o.log.error({ worker: index, err }, 'worker did not start'));
  }

  private send(t: Worker, m: ToWorker): void {
    t.postMessage(m);
  }

  private answer(t: Worker, id: number, what: GatewayQuestion): void {
    if (what === 'readiness') {
      this.send(t, { kind: 'answer', id, value: !this.draining && this.listening.size === this.threads.length });
      return;
    }
    this.gather(what).then(
      async (parts) => this.send(t, { kind: 'answer', id, value: await COMBINE[what](parts) }),
      (err: Error) => this.send(t, { kind: 'answer', id, value: undefined, error: err.message }),
    );
  }

  /** Every live worker's part, in the order they answered. */
  private gather(what: WorkerPart): Promise<unknown[]> {
    const id = this.nextCollection++;
    const live = this.threads.filter((t): t is Worker => t !== undefined);
    return new Promise((resolve, reject) => {
      if (live.length === 0) return reject(new Error('no worker is running'));
      const timer = setTimeout(() => {
        this.collections.delete(id);
        reject(new Error(`a worker gave no ${what} within ${COLLECT_TIMEOUT_MS} ms`));
      }, COLLECT_TIMEOUT_MS);
      this.collections.set(id, {
        parts: [],
        waiting: live.length,
        done: (parts) => {
          clearTimeout(timer);
          resolve(parts.filter((p) => p !== null));
        },
      });
      for (const t of live) this.send(t, { kind: 'collect', id, what });
    });
  }

  private collected(id: number, value: unknown): void {
    const c = this.collections.get(id);
    if (c === undefined) return;
    c.parts.push(value);
    if (--c.waiting > 0) return;
    this.collections.delete(id);
    c.done(c.parts);
  }
}
