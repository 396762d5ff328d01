/**
 * Request back-pressure metrics. Registered always (so the names are stable and documented), filled only
 * when back pressure is on. Live state (queue depth, per-engine state and limit) is read from the controller
 * when /metrics is scraped; the request path only counts refusals and admissions and observes two histograms.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PRIORITY_NAMES, type Priority } from '../admission/priority.ts';

export type EngineStateName = 'ok' | 'busy' | 'slow' | 'penalty' | 'cooldown';
/** Values of spillway_engine_backpressure_state. */
export const ENGINE_STATES: Record<EngineStateName, number> = { ok: 0, busy: 1, slow: 2, penalty: 3, cooldown: 4 };

/** One engine as the gauges read it. */
export interface EngineReading {
  readonly deployment: { readonly id: string };
  readonly gate: {
    readonly limit: { readonly limit: number };
    readonly ttft: { mean(): number; upperMean(): number };
    readonly itl: { mean(): number };
  };
}

/** One model group as the gauges read it. */
export interface GroupReading {
  readonly name: string;
  readonly admittedTotal: readonly number[];
  /** Requests answered 2xx within and outside the group's SLA. */
  readonly sla: readonly number[];
  readonly room: {
    readonly size: number;
    readonly queue: { readonly tokens: number; readonly bounds: { readonly maxRequests: number } };
  };
  readonly drainRate: { perMs(): number };
  readonly admission: { readonly byPriority: readonly number[] };
  readonly engines: readonly EngineReading[];
}

/** What back pressure shows the gauges at scrape time (src/pipeline/backpressure/controller.ts). */
export interface BackpressureReadings {
  readonly groups: ReadonlyMap<string, GroupReading>;
  clock(): number;
  inFlightBlocks(group: string): number;
  capacityBlocks(group: string): number;
  engineState(e: EngineReading, now: number): EngineStateName;
}

const waitBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Up to 10 ms for decisions made at arrival; beyond, for refusals made after waiting in the router queue (up to
// the TTFT budget: 2 s by default), which would otherwise all fall in +Inf.
const decisionBuckets = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class BackpressureMetrics {
  readonly rejections: Counter<'level' | 'reason' | 'priority' | 'model_group'>;
  readonly admitted: Counter<'model_group' | 'priority'>;
  readonly decision: Histogram<'decision'>;
  readonly queueWait: Histogram<'model_group' | 'result'>;
  readonly penalties: Counter<'model_group' | 'deployment'>;
  /** Refusals by model group ("none" before the body is read) and code: the operator page's rates (src/ops/ui). */
  readonly refusedBy = new Map<string, Map<string, number>>();
  private controller: BackpressureReadings | undefined;
  // Bound children, so the request path builds no label object (prom-client still hashes the labels on each
  // observation; admissions, one per request, are therefore counted on the group and read at scrape time).
  private readonly decisionChildren = new Map<string, Histogram.Internal<'decision'>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.rejections = new Counter({
      name: 'spillway_backpressure_rejections_total',
      help:
        'Requests refused by back pressure, by level (ingress, router, engine), reason ' +
        '(the error code), priority class and model group ("none" before the body is read).',
      labelNames: ['level', 'reason', 'priority', 'model_group'],
      registers,
    });
    const self = this;
    this.admitted = new Counter({
      name: 'spillway_backpressure_admitted_total',
      help: 'Requests admitted at ingress, by model group and priority class.',
      labelNames: ['model_group', 'priority'],
      registers,
      collect() {
        this.reset();
        for (const g of self.controller?.groups.values() ?? []) {
          for (let p = 0; p < g.admittedTotal.length; p++)
            if (g.admittedTotal[p] > 0)
              this.inc({ model_group: g.name, priority: PRIORITY_NAMES[p] }, g.admittedTotal[p]);
        }
      },
    });
    this.decision = new Histogram({
      name: 'spillway_backpressure_decision_seconds',
      help:
        "Time from a request's arrival to a back-pressure decision: dispatched or queued (its first " +
        'decision), refused (every refusal, including those made after waiting in the router queue).',
      labelNames: ['decision'],
      buckets: decisionBuckets,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'spillway_router_queue_wait_seconds',
      help:
        'Time spent in the router queue, by how the request ' +
        'left it: dispatched, expired, displaced, client_closed.',
      labelNames: ['model_group', 'result'],
      buckets: waitBuckets,
      registers,
    });
    this.penalties = new Counter({
      name: 'spillway_engine_penalties_total',
      help: 'Penalties given to an engine for refusing a request itself (its own 503/429).',
      labelNames: ['model_group', 'deployment'],
      registers,
    });
    const groups = () => self.controller?.groups.values() ?? [];
    new Counter({
      name: 'spillway_sla_requests_total',
      help:
        "Requests answered 2xx, judged against their group's SLA from the gateway's view (result within or " +
        'missed): first token within the TTFT budget of arrival and mean ITL within the ITL SLO for streams, ' +
        'the whole response within the TTFT budget otherwise.',
      labelNames: ['model_group', 'result'],
      registers,
      collect() {
        this.reset();
        for (const g of groups()) {
          this.inc({ model_group: g.name, result: 'within' }, g.sla[0]);
          this.inc({ model_group: g.name, result: 'missed' }, g.sla[1]);
        }
      },
    });
    new Gauge({
      name: 'spillway_router_queue_bound',
      help: "The router queue's maximum depth (requests).",
      labelNames: ['model_group'],
      registers,
      collect() {
        for (const g of groups()) this.set({ model_group: g.name }, g.room.queue.bounds.maxRequests);
      },
    });
    new Gauge({
      name: 'spillway_router_queue_depth',
      help: 'Requests waiting in the router queue.',
      labelNames: ['model_group'],
      registers,
      collect() {
        for (const g of groups()) this.set({ model_group: g.name }, g.room.size);
      },
    });
    new Gauge({
      name: 'spillway_router_queue_tokens',
      help: 'Prompt tokens waiting in the router queue.',
      labelNames: ['model_group'],
      registers,
      collect() {
        for (const g of groups()) this.set({ model_group: g.name }, g.room.queue.tokens);
      },
    });
    new Gauge({
      name: 'spillway_router_drain_rate',
      help: 'Measured dispatches to engines per second: the drain rate behind estimated waits and Retry-After.',
      labelNames: ['model_group'],
      registers,
      collect() {
        for (const g of groups()) {
          const r = g.drainRate.perMs();
          this.set({ model_group: g.name }, Number.isFinite(r) ? r * 1000 : 0);
        }
      },
    });
    new Gauge({
      name: 'spillway_backpressure_in_flight',
      help: 'Requests admitted at ingress and not finished (queued or dispatched), by model group and priority class.',
      labelNames: ['model_group', 'priority'],
      registers,
      collect() {
        for (const g of groups())
          for (let p = 0; p < 3; p++)
            this.set({ model_group: g.name, priority: PRIORITY_NAMES[p as Priority] }, g.admission.byPriority[p]);
      },
    });
    new Gauge({
      name: 'spillway_backpressure_kv_blocks',
      help:
        "The KV budget gate's inputs: predicted blocks in flight " +
        '(dispatched and queued) and the capacity of the usable engines.',
      labelNames: ['model_group', 'kind'],
      registers,
      collect() {
        const c = self.controller;
        for (const g of groups()) {
          this.set({ model_group: g.name, kind: 'in_flight' }, c!.inFlightBlocks(g.name));
          this.set({ model_group: g.name, kind: 'capacity' }, c!.capacityBlocks(g.name));
        }
      },
    });
    new Gauge({
      name: 'spillway_engine_backpressure_state',
      help:
        'Per engine, for a standard request: 0 ok, 1 busy (KV, prefill or at ' +
        'its concurrency limit), 2 slow (SLO breaker), 3 penalty, 4 cooldown.',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        const c = self.controller;
        if (c === undefined) return;
        const now = c.clock();
        for (const g of groups())
          for (const e of g.engines)
            this.set({ model_group: g.name, deployment: e.deployment.id }, ENGINE_STATES[c.engineState(e, now)]);
      },
    });
    new Gauge({
      name: 'spillway_engine_concurrency_limit',
      help: 'Per engine: the adaptive concurrency limit (gradient2 / vegas / fixed).',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        for (const g of groups())
          for (const e of g.engines) this.set({ model_group: g.name, deployment: e.deployment.id }, e.gate.limit.limit);
      },
    });
    new Gauge({
      name: 'spillway_engine_latency_window_seconds',
      help:
        'Per engine: mean TTFT and ITL of the recent window the SLO breaker judges, and ttft_upper: ' +
        'TTFT with non-streamed responses end-to-end times as upper bounds (absent while the window is empty).',
      labelNames: ['model_group', 'deployment', 'signal'],
      registers,
      collect() {
        this.reset();
        for (const g of groups())
          for (const e of g.engines) {
            const ttft = e.gate.ttft.mean();
            const upper = e.gate.ttft.upperMean();
            const itl = e.gate.itl.mean();
            if (Number.isFinite(ttft))
              this.set({ model_group: g.name, deployment: e.deployment.id, signal: 'ttft' }, ttft / 1000);
            if (Number.isFinite(upper))
              this.set({ model_group: g.name, deployment: e.deployment.id, signal: 'ttft_upper' }, upper / 1000);
            if (Number.isFinite(itl))
              this.set({ model_group: g.name, deployment: e.deployment.id, signal: 'itl' }, itl / 1000);
          }
      },
    });
  }

  attach(controller: BackpressureReadings): void {
    this.controller = controller;
  }

  decisionFor(decision: string): Histogram.Internal<'decision'> {
    let h = this.decisionChildren.get(decision);
    if (h === undefined) this.decisionChildren.set(decision, (h = this.decision.labels({ decision })));
    return h;
  }

  rejected(level: string, reason: string, priority: Priority, group: string): void {
    this.rejections.inc({ level, reason, priority: PRIORITY_NAMES[priority], model_group: group });
    let byCode = this.refusedBy.get(group);
    if (byCode === undefined) this.refusedBy.set(group, (byCode = new Map()));
    byCode.set(reason, (byCode.get(reason) ?? 0) + 1);
  }
}
