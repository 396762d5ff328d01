/**
 * Request back pressure in the pipeline: the three levels' policies (src/admission, src/routing/queue,
 * src/engine-admission) wired to the points of a request's path where the pipeline calls in.
 *
 *   ingress, before the body   precheck(headers)         global in-flight cap, shedding
 *   proxy start                admit(pr)                 every ingress check; the admission held till finish
 *   routing                    admits(d, priority)       per engine, by class: penalty, SLO breaker, concurrency, busy
 *   no engine can take it      onNoEngine(pr)            engine_*_slo at once, else the router queue
 *   attempt                    onDispatch / onChunk / onAttemptEnd / engineRefused
 *   end                        onFinish(pr)              releases what the request still holds, exactly once
 *
 * Not constructed when back pressure is off: the pipeline then pays one `undefined` check per stage.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { IngressAdmission, type IngressVerdict } from '../../admission/ingress-admission.ts';
import type { KvBudgetSource } from '../../admission/kv-budget.ts';
import { parsePriority, PRIORITY_HEADER, PRIORITY_NAMES, type Priority } from '../../admission/priority.ts';
import type { BackpressureConfig } from '../../config/backpressure.ts';
import { EngineGate } from '../../engine-admission/engine-gate.ts';
import { createLimit } from '../../engine-admission/limits/registry.ts';
import { EngineLoad } from '../../load/engine-load.ts';
import type { BackpressureMetrics } from '../../metrics/backpressure-metrics.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { ModelGroup, RouteGate } from '../../routing/group.ts';
import type { BusyThresholds } from '../../load/busy.ts';
import { DrainRate } from '../../routing/queue/drain-rate.ts';
import { retryAfterMs, type RetryAfterBounds } from '../../routing/queue/retry-after.ts';
import { realTimers, type Timers } from '../../routing/queue/timers.ts';
import { view, type DeepReadonly } from '../../util/ref.ts';
import { WaitingRoom, type DropReason, type WaitingRoomHost } from '../../routing/queue/waiting-room.ts';
import type { QueueEntry } from '../../routing/queue/router-queue.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import { Attempts } from './attempts.ts';
import type { ClassActivity } from './class-activity.ts';
import { EngineSlot } from './engines.ts';
import { GroupState } from './groups.ts';
import { sendRefusal, isOverload, type Refusal } from './refusals.ts';
import { StatusEvents } from './status.ts';
import { Ticket } from './ticket.ts';
import { applySettings } from './settings.ts';
import { buildSettings, groupViews, type SettingsRef } from './live-settings.ts';
import { injectFault, type InternalStage } from '../internal-error.ts';

export const TTFT_BUDGET_HEADER = 'x-spillway-ttft-budget-ms';
/** With nothing of ours in flight no capacity event will come (the load is someone else's): look again then. */
const IDLE_WAKE_MS = 100;

/** What the controller asks of the pipeline (implemented by Proxy). */
export interface BackPressureHost {
  dispatch(pr: ProxyRequest, d: Deployment): void;
  /** Routes again, for the pipeline's own answers (cooldown, limits) to a request leaving the queue. */
  route(pr: ProxyRequest): void;
  reject(pr: ProxyRequest, outcome: Refusal['outcome'], message: string, retryAfterMs?: number): void;
  /** Finishes a request whose client went away while it was queued. */
  abandon(pr: ProxyRequest): void;
  /** Ends a request whose handling threw (crash isolation: ../proxy.ts). */
  fail(pr: ProxyRequest, stage: InternalStage, err: unknown): void;
}

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

export class BackPressure implements WaitingRoomHost<ProxyRequest>, KvBudgetSource, RouteGate {
  readonly name = 'load-model';
  /** Every threshold, replaced whole by `apply` (./live-settings.ts); the components read it through views. */
  readonly settings: SettingsRef;
  host: BackPressureHost | undefined;
  readonly admission: IngressAdmission;
  readonly groups = new Map<string, GroupState>();
  readonly slots = new Map<Deployment, EngineSlot>();
  readonly attempts: Attempts;
  readonly status: StatusEvents;
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
  /** The queue's service-time estimate, reused by every offer. */
  private readonly service = { mean: 0, sd: 0 };

  constructor(o: BackPressureOptions) {
    const cfg = o.config;
    this.settings = { current: buildSettings(cfg, [...o.groups].map(([name, g]) => ({ name, engines: g.deployments.length }))) };
    this.clock = o.clock;
    this.metrics = o.metrics;
    this.timers = o.timers ?? realTimers;
    this.drainRate = new DrainRate({ clock: o.clock, windowMs: cfg.router.drainWindowMs });
    this.admission = new IngressAdmission({ settings: view(this.settings, (s) => s.ingress), kv: this, random: o.random });
    for (const [name, group] of o.groups) {
      const views = groupViews(this.settings, this.groups.size);
      const engines = group.deployments.map((d) => {
        const shared = o.engineLoad?.(d.id);
        const load =
          shared ??
          new EngineLoad({ id: d.id, clock: o.clock, blockSize: cfg.ingress.blockSize, totalBlocks: cfg.ingress.kvCapacityBlocks || undefined, maxParallelRequests: d.config.maxParallelRequests });
        const gate = new EngineGate({
          id: d.id,
          clock: o.clock,
          limit: createLimit(cfg.engine.limitAlgorithm, cfg.engine.limit, { clock: o.clock, random: o.random }),
          settings: views.engine,
          windowMs: cfg.engine.sloWindowMs,
          reports: load,
        });
        const slot = new EngineSlot(d, gate, load, shared === undefined);
        this.slots.set(d, slot);
        return slot;
      });
      const g = new GroupState(this, group, engines, views.group, views.admission, new DrainRate({ clock: o.clock, windowMs: cfg.router.drainWindowMs }));
      const arrivalRates = [0, 1, 2].map(() => new DrainRate({ clock: o.clock, windowMs: cfg.router.drainWindowMs }));
      g.room = new WaitingRoom({
        settings: views.queue,
        arrivalRates,
        clock: o.clock,
        timers: this.timers,
        drainRate: g.drainRate,
        host: this,
      });
      for (const e of engines) {
        e.room = g.room as WaitingRoom<unknown>;
        e.activity = g.activity;
      }
      group.gate = this;
      this.groups.set(name, g);
    }
    this.attempts = new Attempts(this);
    this.status = new StatusEvents(this);
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

  attach(host: BackPressureHost): void {
    this.host = host;
  }

  // --- level 1: ingress ---

  /** The checks that need no body. A refusal is counted here; the ingress sends it. */
  precheck(headers: IncomingHttpHeaders, arrivalMs: number): Refusal | undefined {
    const p = parsePriority(headers[PRIORITY_HEADER]);
    if (p === -1) return badHeader(PRIORITY_HEADER, `must be one of ${PRIORITY_NAMES.join(', ')}`);
    const v = this.admission.precheck(p);
    if (v === 'ok') return undefined;
    this.metrics.rejected('ingress', v, p, 'none');
    this.metrics.decisionFor('refused').observe((performance.now() - arrivalMs) / 1000);
    return this.ingressRefusal(v, p, undefined, 0);
  }

  /** Every ingress check, once the model group is known; on success the request holds its admission. */
  admit(pr: ProxyRequest): Refusal | undefined {
    const now = (this.now = this.clock());
    const g = this.groups.get(pr.group)!;
    const h = pr.res.req.headers;
    const p = parsePriority(h[PRIORITY_HEADER]);
    if (p === -1) return badHeader(PRIORITY_HEADER, `must be one of ${PRIORITY_NAMES.join(', ')}`);
    let budget = g.settings.ttftBudgetMs;
    const asked = h[TTFT_BUDGET_HEADER];
    if (asked !== undefined) {
      const n = Number(asked);
      if (!(n > 0)) return badHeader(TTFT_BUDGET_HEADER, 'must be a positive number of milliseconds');
      budget = Math.min(n, this.config.router.maxTtftBudgetMs);
    }
    const tokens = promptTokens(pr);
    const blocks = tokens / g.blockSize();
    const v = this.admission.admit(g.admission, p, blocks, this.shareOf(g.activity, p, now));
    if (v !== 'ok') return this.ingressRefusal(v, p, g, blocks);
    // The budget runs from arrival: time spent reading the body is already gone.
    const deadline = now + budget - (performance.now() - pr.arrivalMs);
    g.activity.admitted(p, now);
    pr.bp = new Ticket(g, p, deadline, tokens, blocks, this.config.statusEvents && pr.stream && this.status.wanted(h));
    pr.priority = p;
    g.admittedTotal[p]++;
    return undefined;
  }

  // KvBudgetSource: the load model's reconciled KV of the group's usable engines plus what waits in its queue.
  inFlightBlocks(group: string, priority?: number): number {
    const g = this.groups.get(group)!;
    const q = g.room.queue;
    let blocks = (priority === undefined ? q.tokens : q.tokensAhead(priority as Priority)) / g.blockSize();
    for (const e of g.engines) if (!e.deployment.isCoolingDown()) blocks += e.load.kvBlocksUsed();
    return blocks;
  }

  capacityBlocks(group: string): number {
    let total = 0;
    for (const e of this.groups.get(group)!.engines) if (!e.deployment.isCoolingDown()) total += e.load.kvBlocksTotal ?? 0;
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
    return s.refusal(this.now, this.busy, this.admission.settings.fractions[p], this.shareOf(s.activity!, p, this.now), p) === undefined;
  }

  /** Every engine refused the request: refuse it (returned) or queue it (undefined). */
  onNoEngine(pr: ProxyRequest): Refusal | undefined {
    const t = pr.bp!;
    const g = t.group;
    const now = (this.now = this.clock());
    const f = this.admission.settings.fractions[t.priority];
    const share = this.shareOf(g.activity, t.priority, now);
    let slow = 0;
    let itl = 0;
    let limited = 0;
    let penalty = 0;
    let usable = 0;
    let unblocks = Infinity;
    let free = 0;
    let untimed = 0;
    for (const e of g.engines) {
      if (e.deployment.isCoolingDown()) continue;
      usable++;
      const why = e.refusal(now, this.busy, f, share, t.priority);
      if (why === undefined) free++;
      else if (why === 'limited' || why === 'kv' || why === 'prefill') untimed++;
      if (why === 'slow') {
        slow++;
        if (e.gate.breaker.reason === 'itl') itl++;
      } else if (why === 'limited') limited++;
      else if (why === 'penalty') penalty++;
      unblocks = Math.min(unblocks, e.gate.unblocksAt(now, f));
    }
    if (usable > 0 && slow === usable) {
      // Queueing cannot help: the class is readmitted when an engine's window says so, and Retry-After says when.
      const outcome = itl === slow ? 'engine_itl_slo' : 'engine_ttft_slo';
      return { outcome, message: `Every engine of model group "${g.name}" is at its ${itl === slow ? 'inter-token latency' : 'time-to-first-token'} SLO's share for ${PRIORITY_NAMES[t.priority]} requests; they take more when their recent latency falls back under it.`, retryAfterMs: this.clampRetry(unblocks - now) };
    }
    if (this.config.router.maxQueue === 0) {
      const outcome = limited === usable ? 'engine_concurrency' : penalty === usable ? 'engine_penalty' : 'router_busy';
      const retry = outcome === 'engine_penalty' ? this.clampRetry(unblocks - now) : this.retryAfter(g, 1);
      return { outcome, message: `Every engine of model group "${g.name}" is busy (${limited} at their concurrency limit, ${penalty} in a penalty, ${usable - limited - penalty - slow} over their KV or prefill threshold) and the router queue is off.`, retryAfterMs: retry };
    }
    if (free > 0 && g.room.size > 0) {
      // An engine has room for the class but queued requests went first (admits): they take it, then this
      // request tries once more.
      g.room.drain();
      const picked = g.group.select(pr, pr.tried);
      if (!('reason' in picked)) {
        this.host!.dispatch(pr, picked);
        return undefined;
      }
    }
    serviceTime(g, now, t.promptTokens, this.config.router.waitMarginSd, this.service);
    // Only time-bound blocks (every engine in a penalty or over its SLO share): nothing leaves before they end.
    const notBefore = free === 0 && untimed === 0 ? unblocks : 0;
    const entry = g.room.offer(pr, t.priority, t.deadline, t.promptTokens, this.service.mean, this.service.sd, notBefore);
    if (typeof entry === 'string') return this.queueRefusal(entry, t);
    t.entry = entry;
    this.observeDecision(pr, 'queued');
    if (unblocks < Infinity) g.room.wakeAtTime(unblocks);
    if (g.attempts === 0) g.room.wakeAtTime(now + IDLE_WAKE_MS);
    if (t.statusEvents) this.status.queued(pr, entry);
    return undefined;
  }

  /** WaitingRoomHost: the head of the queue, routed on fresh state. */
  tryDispatch(pr: ProxyRequest): boolean {
    const t = pr.bp!;
    if (pr.finished) return true;
    // Entered from a timer or a capacity event of another request: a throw here ends this request only.
    try {
      injectFault(pr.fault, 'router_queue');
      this.now = this.clock();
      const picked = t.group.group.select(pr, pr.tried);
      if ('reason' in picked && picked.reason === 'busy') {
        this.scheduleWake(t.group);
        return false;
      }
      this.leftQueue(t, 'dispatched');
      if ('reason' in picked) this.host!.route(pr);
      else this.host!.dispatch(pr, picked);
    } catch (err) {
      this.host!.fail(pr, 'router_queue', err);
    }
    return true;
  }

  /** WaitingRoomHost: a queued request leaves unserved. */
  dropped(pr: ProxyRequest, why: DropReason, entry: QueueEntry<ProxyRequest>): void {
    try {
      const t = pr.bp!;
      this.leftQueue(t, why);
      const g = t.group;
      if (why === 'expired') {
        this.host!.reject(pr, 'router_queue_timeout', `The request's time-to-first-token budget ran out after ${Math.round(this.clock() - entry.enqueuedAt)} ms in the router queue of model group "${g.name}".`, this.retryAfter(g, g.room.size + 1));
      } else {
        this.host!.reject(pr, 'router_queue_full', `The router queue of model group "${g.name}" is full; this ${PRIORITY_NAMES[t.priority]} request gave its place to a more important one.`, this.retryAfter(g, g.room.size));
      }
    } catch (err) {
      this.host!.fail(pr, 'router_queue', err);
    }
  }

  /** The client of a queued request went away: removed and counted. Returns false when it was not queued. */
  clientGone(pr: ProxyRequest): boolean {
    const t = pr.bp;
    if (t === undefined || t.entry === undefined) return false;
    t.group.room.remove(t.entry);
    t.group.abandoned++;
    this.leftQueue(t, 'client_closed');
    this.host!.abandon(pr);
    return true;
  }

  // --- the end ---

  /** Releases what the request still holds: called once per request, from the pipeline's finish. */
  onFinish(pr: ProxyRequest): void {
    const t = pr.bp;
    if (t === undefined) return;
    if (t.entry !== undefined) {
      t.group.room.remove(t.entry);
      this.leftQueue(t, 'client_closed');
    }
    if (t.admitted) {
      t.admitted = false;
      this.admission.release(t.group.admission, t.priority, t.kvBlocks);
    }
  }

  /** Writes a refusal for `pr` (the pipeline's reject calls this when back pressure is on); returns the status. */
  sendError(pr: ProxyRequest, outcome: Refusal['outcome'], message: string, retryAfterMs: number | undefined): number {
    const t = pr.bp;
    if (isOverload(outcome)) {
      this.metrics.rejected(levelOf(outcome), outcome, t?.priority ?? parsePriorityOr(pr), pr.group);
      this.observeDecision(pr, 'refused');
    }
    return sendRefusal(pr.res, { outcome, message, retryAfterMs }, this.config.rejectStatus, t?.headSent === true);
  }

  /** Refuses everything still queued (gateway shutdown). */
  shutdown(): void {
    for (const g of this.groups.values()) {
      for (const e of g.room.clear()) {
        this.leftQueue(e.item.bp!, 'client_closed');
        this.host!.reject(e.item, 'draining', 'The gateway is shutting down; retry on another instance.', 1000);
      }
      this.status.stop(g);
    }
  }

  /** Every counter that must be back to zero when nothing is in flight. */
  accounting(): { inFlight: number; queued: number; queuedTokens: number; engineInFlight: number; predictedKvTokens: number; releaseErrors: number } {
    let queued = 0;
    let queuedTokens = 0;
    let engineInFlight = 0;
    let predictedKvTokens = 0;
    let releaseErrors = this.admission.releaseErrors;
    for (const g of this.groups.values()) {
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
    return { inFlight: this.admission.inFlight, queued, queuedTokens, engineInFlight, predictedKvTokens, releaseErrors };
  }

  /** Applies a run-time change of thresholds (GET/PUT /admin/backpressure). */
  apply(patch: unknown): string[] {
    return applySettings(this, patch);
  }

  // --- helpers ---

  /** The part of the engines' limits and of the KV budget class `p` may use now (./class-activity.ts). */
  private shareOf(activity: ClassActivity, p: Priority, now: number): number {
    return activity.share(p, this.admission.settings.fractions[p], now, this.config.router.drainWindowMs);
  }

  retryAfter(g: GroupState | undefined, backlog: number): number {
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
    this.metrics.decisionFor(decision).observe((performance.now() - pr.arrivalMs) / 1000);
  }

  /**
   * Wakes the queue when the earliest time-bound block of its engines ends for the class at its head, or soon
   * if nothing is in flight.
   */
  scheduleWake(g: GroupState): void {
    const head = g.room.queue.peek();
    const f = this.admission.settings.fractions[head === undefined ? 0 : head.priority];
    const now = this.clock();
    let at = Infinity;
    for (const e of g.engines) at = Math.min(at, e.gate.unblocksAt(now, f));
    if (g.attempts === 0) at = Math.min(at, now + IDLE_WAKE_MS);
    if (at < Infinity) g.room.wakeAtTime(at);
  }

  private leftQueue(t: Ticket, how: DropReason | 'dispatched' | 'client_closed'): void {
    const e = t.entry;
    if (e === undefined) return;
    t.entry = undefined;
    this.metrics.queueWait.observe({ model_group: t.group.name, result: how }, (this.clock() - e.enqueuedAt) / 1000);
    if (t.statusEvents) this.status.left(t);
  }

  private ingressRefusal(v: Exclude<IngressVerdict, 'ok'>, p: Priority, g: GroupState | undefined, blocks: number): Refusal {
    const cls = PRIORITY_NAMES[p];
    const a = this.admission;
    switch (v) {
      case 'ingress_inflight': {
        const where = g !== undefined && g.admission.inFlight >= a.settings.fractions[p] * g.admission.maxInFlight ? `model group "${g.name}"` : 'the gateway';
        return { outcome: v, message: `Too many requests in flight for ${where} to admit a ${cls} request.`, retryAfterMs: this.retryAfter(g, g === undefined ? 1 : a.excess(g.admission, p)) };
      }
      case 'ingress_kv_budget': {
        const held = this.inFlightBlocks(g!.name, p);
        const budget = this.shareOf(g!.activity, p, this.now) * a.settings.kvOvercommit * this.capacityBlocks(g!.name);
        const perRequest = g!.admission.inFlight > 0 ? held / g!.admission.inFlight : blocks;
        const backlog = perRequest > 0 ? Math.ceil((held + blocks - budget) / perRequest) : 1;
        return { outcome: v, message: `The KV cache of model group "${g!.name}" is committed: ${Math.round(held)} blocks in flight + ${Math.round(blocks)} for this prompt exceed the ${cls} budget of ${Math.round(budget)}.`, retryAfterMs: this.retryAfter(g, backlog) };
      }
      case 'ingress_priority_shed':
        return { outcome: v, message: `Load is near its limit: ${cls} requests are being shed.`, retryAfterMs: this.retryAfter(g, g === undefined ? 1 : g.room.size + 1) };
    }
  }

  private queueRefusal(why: 'router_queue_full' | 'router_deadline', t: Ticket): Refusal {
    const g = t.group;
    if (why === 'router_queue_full') {
      return { outcome: why, message: `Every engine of model group "${g.name}" is busy and its router queue is full (${g.room.size} requests, ${g.room.queue.tokens} prompt tokens).`, retryAfterMs: this.retryAfter(g, g.room.size) };
    }
    const remaining = Math.max(0, Math.round(t.deadline - this.clock()));
    const wait = g.room.estimatedWaitMs(t.priority);
    return {
      outcome: why,
      message: `Every engine of model group "${g.name}" is busy; the estimated wait (${Math.round(wait)} ms behind ${g.room.queue.ahead(t.priority)} queued) exceeds the ${remaining} ms left of this request's time-to-first-token budget.`,
      retryAfterMs: this.retryAfter(g, g.room.queue.ahead(t.priority) + 1),
    };
  }
}

/**
 * The TTFT a queued request of `tokens` prompt tokens can expect after dispatch: each usable engine's expected
 * TTFT for that prompt length and the spread around it (src/engine-admission/ttft-fit.ts), from the engine
 * where expected + z·spread is the largest. The request may land on any of them, and an engine that has just
 * filled up is slower than its window still says. 0 and 0 while no engine has a sample.
 */
function serviceTime(g: GroupState, now: number, tokens: number, z: number, out: { mean: number; sd: number }): void {
  out.mean = 0;
  out.sd = 0;
  for (const e of g.engines) {
    if (e.deployment.isCoolingDown()) continue;
    const fit = e.gate.ttftFit;
    const m = fit.expected(now, tokens);
    if (m !== m) continue;
    const d = fit.sd(now);
    if (m + z * d > out.mean + z * out.sd) {
      out.mean = m;
      out.sd = d;
    }
  }
}

function badHeader(header: string, what: string): Refusal {
  return { outcome: 'bad_request', message: `Header ${header} ${what}.`, param: header };
}

function levelOf(outcome: string): 'ingress' | 'router' | 'engine' {
  return outcome.startsWith('ingress') ? 'ingress' : outcome.startsWith('router') ? 'router' : 'engine';
}

function parsePriorityOr(pr: ProxyRequest): Priority {
  const p = parsePriority(pr.res.req.headers[PRIORITY_HEADER]);
  return p === -1 ? 1 : p;
}

/** The load model's prompt estimate when the pipeline made one, else ~4 bytes per token of the body. */
function promptTokens(pr: ProxyRequest): number {
  const known = (pr as { prompt?: { tokens: number } }).prompt?.tokens;
  return known ?? Math.ceil(pr.bodyBytes / 4);
}
