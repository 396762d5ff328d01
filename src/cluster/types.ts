/**
 * How one gateway instance counts the work of the others that front the same fleet: the workers of one
 * process (`spillway serve --workers N`, shared memory) or gateways on many machines (`spillway.cluster`,
 * Redis). One `ClusterState` per instance, chosen once when the gateway is built; `SOLO_CLUSTER`
 * (./solo.ts) is the single-process default, whose reads are 0 and whose writes do nothing.
 *
 * What is shared, and what stays local (docs/SCALING.md):
 *   shared   the load each instance dispatched per engine (LoadShare), deployment rpm/tpm/parallel
 *            counters (QuotaShare), cooldowns and engine penalties (ClusterEvents), the live instance count
 *   local    router queues, latency windows, adaptive limits, breakers (each instance measures the streams
 *            it relays; the engines' load they judge against is the shared one)
 *
 * Times that cross instances are wall-clock milliseconds (Date.now()): performance.now() has a different
 * origin in each worker thread and each process.
 */

/** One engine's dispatched load as one instance predicts it (the fields of EngineLoad.predicted). */
export interface LoadRow {
  inFlight: number;
  queuedPrefillTokens: number;
  activeTokens: number;
}

/**
 * Per engine (index = the engine's position in FleetLoad), the sum of the other live instances' rows.
 * Reads are allocation-free: `others[i]` is an object the share updates in place.
 */
export interface LoadShare {
  /** This instance's own rows, in engine order (EngineLoad.predicted); the share reads them to publish. */
  attach(own: readonly Readonly<LoadRow>[]): void;
  /** The other instances' rows summed, as last known. */
  readonly others: readonly Readonly<LoadRow>[];
  /** Own row `i` changed (dispatch, first token, tokens, end): write through, or mark it for the next flush. */
  changed(i: number): void;
}

/** One deployment's rpm/tpm/max_parallel_requests counters as the whole cluster holds them. */
export interface DeploymentCounters {
  inFlight(): number;
  /** Requests in the current fixed one-minute window (rpm). */
  requests(): number;
  /** Tokens in the current fixed one-minute window (tpm). */
  tokens(): number;
  msUntilReset(): number;
  /** One attempt starts: in flight +1, requests +1. */
  hold(): void;
  /** The attempt ended: in flight −1, and the tokens its response used (tpm). */
  giveBack(tokens: number): void;
}

export interface QuotaShare {
  counters(deploymentId: string): DeploymentCounters;
}

export type CooldownListener = (deploymentId: string, untilWallMs: number, holdUntilWallMs: number) => void;
export type PenaltyListener = (deploymentId: string, untilWallMs: number) => void;

/** Cooldowns and engine penalties learned once, applied by every instance. */
export interface ClusterEvents {
  cooldown(deploymentId: string, untilWallMs: number, holdUntilWallMs: number): void;
  penalty(deploymentId: string, untilWallMs: number): void;
  onCooldown(listener: CooldownListener): void;
  onPenalty(listener: PenaltyListener): void;
}

export interface ClusterState {
  readonly kind: 'solo' | 'workers' | 'redis';
  readonly load: LoadShare;
  readonly quotas: QuotaShare;
  readonly events: ClusterEvents;
  /** Live instances, this one included (a fallback divides each limit by the last known count). */
  instances(): number;
  start(): Promise<void>;
  stop(): Promise<void>;
}
