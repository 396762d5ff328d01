/**
 * The memory the workers of one process share (`spillway serve --workers N`): one SharedArrayBuffer, laid out
 * once by the supervisor from the worker count W and the deployment count D (an engine per deployment, in
 * config order, which every worker reads the same).
 *
 *   load    Float64  [W][D][3]   each worker's own LoadRow per engine (inFlight, queuedPrefillTokens,
 *                                activeTokens); one writer per row, read by the others
 *   held    Int32    [W][D]      each worker's attempts in flight per deployment (max_parallel_requests)
 *   quota   Int32    [D][4]      per deployment: lock, window (wall-clock minute), requests, tokens
 *
 * Rows written by one worker only need no lock: a crashed worker's rows are zeroed (`clearWorker`) and it
 * starts again with fresh ones. The quota window is the one place several workers write; see ./counters.ts.
 */
export const LOAD_FIELDS = 3;
export const QUOTA_FIELDS = 4;

export class SharedMemory {
  readonly workers: number;
  readonly deployments: number;
  readonly load: Float64Array;
  readonly held: Int32Array;
  readonly quota: Int32Array;

  constructor(buffer: SharedArrayBuffer, workers: number, deployments: number) {
    this.workers = workers;
    this.deployments = deployments;
    const loadLength = workers * deployments * LOAD_FIELDS;
    this.load = new Float64Array(buffer, 0, loadLength);
    const heldOffset = loadLength * Float64Array.BYTES_PER_ELEMENT;
    this.held = new Int32Array(buffer, heldOffset, workers * deployments);
    this.quota = new Int32Array(buffer, heldOffset + this.held.byteLength, deployments * QUOTA_FIELDS);
  }

  static allocate(workers: number, deployments: number): SharedArrayBuffer {
    const bytes = workers * deployments * (LOAD_FIELDS * 8 + 4) + deployments * QUOTA_FIELDS * 4;
    return new SharedArrayBuffer(bytes);
  }

  /** A worker that died holds nothing any more: its in-flight attempts and dispatched load are gone. */
  clearWorker(worker: number): void {
    const d = this.deployments;
    this.load.fill(0, worker * d * LOAD_FIELDS, (worker + 1) * d * LOAD_FIELDS);
    for (let i = worker * d; i < (worker + 1) * d; i++) Atomics.store(this.held, i, 0);
  }
}
