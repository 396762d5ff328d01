/**
 * The load control POST /ui/load drives: a multiple of the fleet's capacity C (0 stops), or a burst at 10× C for
 * BURST_MS, after which the multiple before it resumes. The generator runs in a child process (./load-child.ts
 * says why); this side keeps the state the page shows and tells the child its rate.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { NODE_FLAGS } from '../../util/node-flags.ts';
import type { LoadChildConfig, LoadMessage } from './load-child.ts';
import type { LoadControl, LoadState } from './types.ts';

const BURST_MS = 5000;
const CHILD = path.join(import.meta.dirname, 'load-child.ts');

export interface ChildLoadOptions extends LoadChildConfig {
  capacityPerS: number;
  /** How C was obtained, one line. */
  capacitySource: string;
  /** Called with the child's error messages (a run that failed). */
  onError?: (message: string) => void;
}

export class ChildLoad implements LoadControl {
  private readonly o: ChildLoadOptions;
  private readonly child: ChildProcess;
  private multiple = 0;
  private rate = 0;
  private burstUntil: number | null = null;
  private burstTimer: NodeJS.Timeout | undefined;

  constructor(o: ChildLoadOptions) {
    this.o = o;
    this.child = fork(CHILD, { execArgv: [...NODE_FLAGS], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (m: { error?: string }) => {
      if (m.error !== undefined) o.onError?.(m.error);
    });
    const config: LoadChildConfig = { url: o.url, model: o.model, workload: o.workload };
    if (o.apiKey !== undefined) config.apiKey = o.apiKey;
    this.send({ config });
  }

  state(): LoadState {
    return {
      multiple: this.multiple,
      ratePerS: this.rate,
      capacityPerS: this.o.capacityPerS,
      capacitySource: this.o.capacitySource,
      burstUntil: this.burstUntil,
    };
  }

  setMultiple(multiple: number): LoadState {
    this.endBurst();
    this.multiple = multiple;
    this.offer(multiple);
    return this.state();
  }

  burst(multiple: number): LoadState {
    this.endBurst();
    this.burstUntil = Date.now() + BURST_MS;
    this.burstTimer = setTimeout(() => {
      this.endBurst();
      this.offer(this.multiple);
    }, BURST_MS);
    this.offer(multiple);
    return this.state();
  }

  /** Stops the generator and its process; requests in flight are cut. */
  async close(): Promise<void> {
    this.endBurst();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }

  private offer(multiple: number): void {
    this.rate = Math.round(multiple * this.o.capacityPerS * 100) / 100;
    this.send({ rate: this.rate });
  }

  private endBurst(): void {
    if (this.burstTimer !== undefined) clearTimeout(this.burstTimer);
    this.burstTimer = undefined;
    this.burstUntil = null;
  }

  private send(m: LoadMessage): void {
    if (this.child.connected) this.child.send(m);
  }
}
