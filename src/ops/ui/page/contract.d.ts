/**
 * The shapes the page reads from /ui/events and /ui/snapshot, as docs/UI.md and the server/page contract state
 * them. Types only: the page's JSDoc and the browser tests' synthetic server name these.
 */

export type Priority = 'critical' | 'standard' | 'sheddable';

export interface LoadState {
  multiple: number;
  ratePerS: number;
  capacityPerS: number;
  capacitySource: string;
  burstUntil: number | null;
}

export interface GroupView {
  name: string;
  sla: { ttftMs: number | null; itlMs: number | null };
  inFlight: number;
  inFlightLimit: number | null;
  admittedPerS: number;
  refusedPerS: Record<string, number>;
  queueDepth: Record<Priority, number>;
  queueBound: number | null;
  drainPerS: number | null;
  goodputPerS: number;
  attainment: number | null;
  kvBlocks: { inFlight: number | null; capacity: number | null };
}

export type EngineState = 'ok' | 'busy' | 'slow' | 'penalty' | 'cooldown';

export interface EngineView {
  id: string;
  group: string;
  state: EngineState;
  inFlight: number;
  limit: number | null;
  kvPredicted: number | null;
  kvReported: number | null;
  running: number | null;
  waiting: number | null;
  ttftMs: { p50: number | null; p99: number | null };
  itlMs: { p50: number | null; p99: number | null };
  penalty: boolean;
  breaker: 'closed' | 'open' | 'probing';
}

export interface UiSnapshot {
  t: number;
  backpressure: boolean;
  load: LoadState | null;
  groups: GroupView[];
  engines: EngineView[];
}

export interface UiHistory {
  stepMs: 1000;
  points: UiSnapshot[];
}
