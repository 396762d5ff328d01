/**
 * One deployment's rpm/tpm/max_parallel_requests counters in the workers' shared memory (./shared-memory.ts).
 *
 *   in flight   Σ over workers of held[w][d]          (each worker adds and removes its own)
 *   requests    quota[d].requests in the current wall-clock minute (Atomics.add)
 *   tokens      quota[d].tokens, the same minute
 *
 * The window is the wall-clock minute, floor(Date.now() / 60 000), shared by all workers. The first worker to
 * see a new minute takes the lock (a compare-exchange spin over three stores, once a minute), zeroes both
 * counts and stores the minute; a request counted while the window rolls lands in the new minute.
 *
 * Bound: a limit is checked, then taken (Deployment.hasCapacity, then hold), so workers that check at the same
 * instant may each take the last slot: rpm and max_parallel_requests overshoot by at most N − 1 (N workers),
 * and only when those checks coincide.
 */
import { clockMinute, msToNextClockMinute } from '../../util/fixed-window.ts';
import type { DeploymentCounters } from '../types.ts';
import { QUOTA_FIELDS, type SharedMemory } from './shared-memory.ts';

const LOCK = 0;
const WINDOW = 1;
const REQUESTS = 2;
const TOKENS = 3;

export class SharedCounters implements DeploymentCounters {
  private readonly held: Int32Array;
  private readonly quota: Int32Array;
  private readonly base: number;
  /** This deployment's column in `held`, and this worker's cell of it. */
  private readonly column: number;
  private readonly own: number;
  private readonly stride: number;
  private readonly workers: number;

  constructor(memory: SharedMemory, deployment: number, worker: number) {
    this.held = memory.held;
    this.quota = memory.quota;
    this.base = deployment * QUOTA_FIELDS;
    this.column = deployment;
    this.stride = memory.deployments;
    this.own = worker * memory.deployments + deployment;
    this.workers = memory.workers;
  }

  inFlight(): number {
    let n = 0;
    for (let w = 0, i = this.column; w < this.workers; w++, i += this.stride) n += Atomics.load(this.held, i);
    return n;
  }

  requests(): number {
    this.roll();
    return Atomics.load(this.quota, this.base + REQUESTS);
  }

  tokens(): number {
    this.roll();
    return Atomics.load(this.quota, this.base + TOKENS);
  }

  msUntilReset(): number {
    return msToNextClockMinute(Date.now());
  }

  hold(): void {
    Atomics.add(this.held, this.own, 1);
    this.roll();
    Atomics.add(this.quota, this.base + REQUESTS, 1);
  }

  giveBack(tokens: number): void {
    Atomics.sub(this.held, this.own, 1);
    if (tokens <= 0) return;
    this.roll();
    Atomics.add(this.quota, this.base + TOKENS, tokens);
  }

  private roll(): void {
    const q = this.quota;
    const b = this.base;
    const minute = clockMinute(Date.now());
    if (Atomics.load(q, b + WINDOW) === minute) return;
    while (Atomics.compareExchange(q, b + LOCK, 0, 1) !== 0) {}
    if (Atomics.load(q, b + WINDOW) !== minute) {
      Atomics.store(q, b + REQUESTS, 0);
      Atomics.store(q, b + TOKENS, 0);
      Atomics.store(q, b + WINDOW, minute);
    }
    Atomics.store(q, b + LOCK, 0);
  }
}
