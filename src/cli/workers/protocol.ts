/** The messages between the supervisor (main thread, ./supervisor.ts) and each worker (./worker-main.ts). */

/** What a worker asks the supervisor for the whole gateway, when a client asks it for health, metrics or admin. */
export type GatewayQuestion = 'metrics' | 'upstreams' | 'readiness' | 'backpressure';
/** What the supervisor collects from every worker to answer one. */
export type WorkerPart = 'metrics' | 'upstreams' | 'backpressure';

/** A worker's part of GET /admin/backpressure: its live back-pressure state (src/pipeline/backpressure/settings.ts). */
export interface WorkerState {
  worker: number;
  state: unknown;
}

export type ToWorker =
  | { kind: 'collect'; id: number; what: WorkerPart }
  | { kind: 'answer'; id: number; value: unknown; error?: string }
  | { kind: 'drain'; delayMs: number; graceMs: number }
  /** Re-read the config file and apply it (the supervisor got SIGHUP). */
  | { kind: 'reload' };

export type FromWorker =
  | { kind: 'listening'; url: string; opsUrl: string | undefined }
  | { kind: 'ask'; id: number; what: GatewayQuestion }
  | { kind: 'collected'; id: number; value: unknown }
  | { kind: 'stopped'; clean: boolean };

/** Aggregated metrics, as the supervisor answers a worker. */
export interface MetricsText {
  text: string;
  contentType: string;
}

/** What the supervisor gives each worker when it starts it (workerData). */
export interface WorkerStart {
  configPath: string;
  host: string;
  port: number;
  /** The ops port every worker shares (spillway.ops_port, resolved by the first worker when it is 0). */
  opsPort: number | undefined;
  worker: number;
  workers: number;
  deploymentIds: readonly string[];
  buffer: SharedArrayBuffer;
  channel: string;
}
