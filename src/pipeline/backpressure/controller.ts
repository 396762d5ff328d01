/**
 * Request back pressure's state: the three levels' policies (src/admission, src/routing/queue,
 * src/engine-admission) and their counters, per group and per engine, with the questions the stages ask
 * of them. The stages that act on it sit beside it, each the pipeline's implementation of one seam
 * (../stages.ts), chosen when the gateway is built (./build.ts):
 *
 *   ingress, admission   ./admission.ts     precheck (no body), admit, the admission held till finish
 *   routing              admits(d, p)       per engine, by class: penalty, SLO breaker, concurrency, busy
 *   router               ./queue-router.ts  no engine can take it: engine_*_slo at once, else the router queue
 *   attempt              ./attempts.ts      engine slot, TTFT/ITL on the stream, engine refusals
 */
import { IngressAdmission } from '../../admission/ingress-admission.ts';
import type { KvBudgetSource } from '../../admission/kv-budget.ts';
import type { Priority } from '../../admission/priority.ts';
import type { BackpressureConfig } from '../../config/backpressure.ts';
import type { BusyThresholds } from '../../load/busy.ts';
import type { EngineLoad } from '../../load/engine-load.ts';
import type { BackpressureMetrics, EngineStateName } from '../../metrics/backpressure-metrics.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { ModelGroup, RouteGate } from '../../routing/group.ts';
import { DrainRate } from '../../routing/queue/drain-rate.ts';
import { type RetryAfterBounds, retryAfterMs } from '../../routing/queue/retry-after.ts';
import { realTimers, type Timers } from '../../routing/queue/timers.ts';
import { OVERLOAD_ONSET } from '../../routing/queue/wait-estimate.ts';
import type { WaitingRoomHost } from '../../routing/queue/waiting-room.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import { type DeepReadonly, view } from '../../util/ref.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { ClassActivity } from './class-activity.ts';
import type { EngineSlot } from './engines.ts';
import type { GroupState, QueueExit } from './groups.ts';
import { buildSettings, type GroupShape, type SettingsRef } from './live-settings.ts';
import { regroup } from './regroup.ts';

/** With nothing of ours in flight no capacity event will come (the load is someone else's): look again then. */
export const IDLE_WAKE_MS = 100;

export interface BackPressureOptions {
  config: BackpressureConfig;
  groups: ReadonlyMap<string, ModelGroup>;
  clock: Clock;
  random: Random;
  metrics: BackpressureMetrics;
  timers?: Timers;
  /** The load model's view of an engine when the pipeline keeps one; else back pressure predicts its own. */
  engineLoad?: (deploymentId: string) => EngineLoad | undefined;
}

export class BackPressure implements KvBudgetSource, RouteGate {
  readonly name = 'load-model';
  /** Every threshold, replaced whole by `apply` (./live-settings.ts); the components read it through views. */
  readonly settings: SettingsRef;
  readonly admission: IngressAdmission;
  readonly groups = new Map<string, GroupState<ProxyRequest>>();
  /** Weak: a deployment a reload removed takes its slot with it once nothing holds it. */
  readonly slots = new WeakMap<Deployment, EngineSlot>();
  readonly clock: Clock;
  readonly metrics: BackpressureMetrics;
  readonly timers: Timers;
  /** Every group's capacity events, for refusals made before the group is known. */
  readonly drainRate: DrainRate;
  /**
   * The clock, read once per event (admission, a chunk, an attempt's end, a queue drain) and reused by the
   * route gate for every candidate of the selection that follows: the states it judges change on the scale
   * of milliseconds, and a clock read costs as much as the rest of the check.
   */
  now = 0;

  /** Every group's name and engine count, in the order of `settings.groups`: a name keeps its index for good. */
  readonly groupShapes: GroupShape[] = [];
  /** Groups a reload removed whose queue or attempts have not drained yet (./regroup.ts). */
  readonly retired = new Set<GroupState<ProxyRequest>>();
  /** What builds a new group's state (./regroup.ts). */
  readonly parts: Pick<BackPressureOptions, 'random' | 'engineLoad'>;
  /** Who routes what leaves a router queue (./queue-router.ts), once built. */
  queueHost: WaitingRoomHost<ProxyRequest, QueueExit> | undefined = undefined;

  constructor(o: BackPressureOptions) {
    const cfg = o.config;
    this.settings = { current: buildSettings(cfg, []) };
    this.clock = o.clock;
    this.metrics = o.metrics;
    this.timers = o.timers ?? realTimers;
    this.parts = { random: o.random, engineLoad: o.engineLoad };
    this.drainRate = new DrainRate({ clock: o.clock, windowMs: cfg.router.drainWindowMs });
    this.admission = new IngressAdmission({
      settings: view(this.settings, (s) => s.ingress),
      kv: this,
      random: o.random,
    });
    regroup(this, o.groups);
  }

  /** The configuration in force (frozen; `apply` replaces it). */
  get config(): DeepReadonly<BackpressureConfig> {
    return this.settings.current.config;
  }

  get busy(): BusyThresholds {
    return this.settings.current.busy;
  }

  get retryBounds(): RetryAfterBounds {
    return this.settings.current.retry;
  }

  // KvBudgetSource: the load model's reconciled KV of the group's usable engines plus what waits in its queue.
  inFlightBlocks(group: string, priority?: number): number {
    const g = this.groups.get(group)!;
    const q = g.room.queue;
    let blocks = (priority === undefined ? q.tokens : q.tokensAhead(priority as Priority)) / g.blockSize();
    for (const e of g.engines) if (!e.deployment.isCoolingDown()) blocks += e.load.kvBlocksUsed();
    return blocks;
  }

  drainBlocks(group: string, priority: number): number {
    const g = this.groups.get(group)!;
    const rate = g.sustainedDrain.perMs();
    if (!(rate > 0) || g.attempts <= 0) return 0;
    if (g.room.estimate.overload(priority as Priority, this.now) >= OVERLOAD_ONSET) return 0;
    let used = 0;
    for (const e of g.engines) if (!e.deployment.isCoolingDown()) used += e.load.kvBlocksUsed();
    return (rate * g.settings.ttftBudgetMs * used) / g.attempts;
  }
  capacityBlocks(group: string): number {
    let total = 0;
    for (const e of this.groups.get(group)!.engines)
      if (!e.deployment.isCoolingDown()) total += e.load.kvBlocksTotal ?? 0;
    return total;
  }

  // --- levels 2 and 3: routing ---

  /**
   * RouteGate: whether `d` may take a new request of class `p` now (the class's fraction of every limit). A
   * request of the class or above already queued goes first: capacity can free up without a capacity event
   * (an engine report, a breaker window clearing), and an arrival taking it would push the queued request back
   * past the departures its deadline check counted on.
   */
  admits(d: Deployment, p: Priority): boolean {
    const s = this.slots.get(d);
    if (s === undefined) return true;
    const room = s.room!;
    if (room.size > 0 && !room.draining && room.queue.ahead(p) > 0) return false;
    return (
      s.refusal(
        this.now,
        this.busy,
        this.admission.settings.fractions[p],
        this.shareOf(s.activity!, p, this.now),
        p,
      ) === undefined
    );
  }

  /** Every counter that must be back to zero when nothing is in flight. */
  accounting(): {
    inFlight: number;
    queued: number;
    queuedTokens: number;
    engineInFlight: number;
    predictedKvTokens: number;
    releaseErrors: number;
  } {
    let queued = 0;
    let queuedTokens = 0;
    let engineInFlight = 0;
    let predictedKvTokens = 0;
    let releaseErrors = this.admission.releaseErrors;
    for (const g of [...this.groups.values(), ...this.retired]) {
      queued += g.room.size;
      queuedTokens += g.room.queue.tokens;
      for (const e of g.engines) {
        engineInFlight += e.gate.inFlight + e.inFlightOf[0] + e.inFlightOf[1] + e.inFlightOf[2];
        releaseErrors += e.gate.releaseErrors;
        // The load model's prediction, whoever keeps it (the pipeline, or back pressure in own-load mode).
        predictedKvTokens += e.load.predicted.activeTokens + e.load.predicted.queuedPrefillTokens;
        releaseErrors += e.load.doubleReleases;
      }
    }
    return {
      inFlight: this.admission.inFlight,
      queued,
      queuedTokens,
      engineInFlight,
      predictedKvTokens,
      releaseErrors,
    };
  }

  /** The state of engine `e` for a standard request (the metric and the admin view). */
  engineState(e: EngineSlot, now: number): EngineStateName {
    return e.state(now, this.busy, this.admission.settings.fractions[1]);
  }

  // --- helpers ---

  /** The part of the engines' limits and of the KV budget class `p` may use now (./class-activity.ts). */
  shareOf(activity: ClassActivity, p: Priority, now: number): number {
    return activity.share(p, this.admission.settings.fractions[p], now, this.config.router.drainWindowMs);
  }

  retryAfter(g: GroupState<ProxyRequest> | undefined, backlog: number): number {
    return retryAfterMs(backlog, (g?.drainRate ?? this.drainRate).perMs(), this.retryBounds);
  }

  clampRetry(ms: number): number {
    const b = this.retryBounds;
    return Math.round(Math.min(b.maxMs, Math.max(b.minMs, ms === Infinity ? b.maxMs : ms)));
  }

  /**
   * Arrival to a back-pressure decision (wall clock, as arrivalMs): `dispatched` and `queued` once per request,
   * its first decision; `refused` for every refusal, however late (a request queued, or re-routed after an
   * engine's own refusal, and then refused counts there too), so the refusal time's tail includes the late
   * ones. A request that goes to an engine or the queue counts as an arrival of its class for the queue's
   * residual rates (./../../routing/queue/waiting-room.ts).
   */
  observeDecision(pr: ProxyRequest, decision: 'dispatched' | 'queued' | 'refused'): void {
    const t = pr.bp;
    if (t !== undefined) {
      if (t.decided) {
        if (decision !== 'refused') return;
      } else {
        t.decided = true;
        if (decision !== 'refused') t.group.room.arrived(t.priority, this.now);
      }
    }
    this.metrics.decisionFor(decision).observe((performance.now() - pr.ctx.arrivalMs) / 1000);
  }

  /**
   * Wakes the queue when the earliest time-bound block of its engines ends for the class at its head, or soon
   * if nothing is in flight.
   */
  scheduleWake(g: GroupState<ProxyRequest>): void {
    const head = g.room.queue.peek();
    const f = this.admission.settings.fractions[head === undefined ? 0 : head.priority];
    const now = this.clock();
    let at = Infinity;
    for (const e of g.engines) at = Math.min(at, e.gate.unblocksAt(now, f));
    if (g.attempts === 0) at = Math.min(at, now + IDLE_WAKE_MS);
    if (at < Infinity) g.room.wakeAtTime(at);
  }
}
