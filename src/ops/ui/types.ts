/**
 * What the operator page (/ui) is sent: the JSON shapes of /work/notes/UI-CONTRACT.md, as the page reads them.
 * Numbers are plain numbers; `null` means unknown or not applicable.
 */

export type PriorityName = 'critical' | 'standard' | 'sheddable';

export interface UiSnapshot {
  /** Epoch ms when taken. */
  t: number;
  backpressure: boolean;
  /** null: no load generator attached (plain `spillway serve`). */
  load: LoadState | null;
  groups: GroupView[];
  /** Every engine of every group, in group order. */
  engines: EngineView[];
}

export interface LoadState {
  /** 0 when stopped. */
  multiple: number;
  /** Offered rate now (0 when stopped). */
  ratePerS: number;
  /** The fleet's measured capacity C the multiples apply to. */
  capacityPerS: number;
  /** How C was obtained, one line. */
  capacitySource: string;
  /** Epoch ms while a 10× burst runs. */
  burstUntil: number | null;
}

export interface GroupView {
  name: string;
  sla: { ttftMs: number | null; itlMs: number | null };
  inFlight: number;
  inFlightLimit: number | null;
  admittedPerS: number;
  /** By gate code. */
  refusedPerS: Record<string, number>;
  queueDepth: Record<PriorityName, number>;
  queueBound: number | null;
  drainPerS: number | null;
  /** Finished within the SLA per second (the gateway's own view). */
  goodputPerS: number;
  /** Within / finished over the last 10 s; null when nothing finished. */
  attainment: number | null;
  kvBlocks: { inFlight: number | null; capacity: number | null };
}

export type EngineStateName = 'ok' | 'busy' | 'slow' | 'penalty' | 'cooldown';
export type BreakerState = 'closed' | 'open' | 'probing';

export interface EngineView {
  id: string;
  group: string;
  state: EngineStateName;
  inFlight: number;
  /** Adaptive concurrency limit. */
  limit: number | null;
  /** 0..1 share of KV. */
  kvPredicted: number | null;
  /** 0..1, the engine's last report. */
  kvReported: number | null;
  running: number | null;
  waiting: number | null;
  ttftMs: { p50: number | null; p99: number | null };
  itlMs: { p50: number | null; p99: number | null };
  penalty: boolean;
  breaker: BreakerState;
}

export interface UiHistory {
  stepMs: 1000;
  /** Last 5 minutes at 1 s, oldest first (≤ 300). */
  points: UiSnapshot[];
}

/** What POST /ui/load drives: the demo's load generator (./load-control.ts). */
export interface LoadControl {
  state(): LoadState;
  /** 0 stops. */
  setMultiple(multiple: number): LoadState;
  /** Runs `multiple`× capacity for a few seconds, then returns to the multiple before it. */
  burst(multiple: number): LoadState;
}
