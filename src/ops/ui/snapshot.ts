/**
 * The operator page's snapshot (./types.ts): live state read from back pressure (groups, engines, queues, KV
 * budget) and rates from counter deltas — admitted, refused by code, answered within the SLA — against the
 * reading about a second ago (attainment: ten seconds ago). Readings are kept in a short ring, one per
 * snapshot. Off the request path: the request path only counts (admittedTotal, refusals, sla), as it did for
 * /metrics; everything here runs on the page's timer.
 */
import { PRIORITY_NAMES, type Priority } from '../../admission/priority.ts';
import type { BackPressure } from '../../pipeline/backpressure/controller.ts';
import type { GroupState } from '../../pipeline/backpressure/groups.ts';
import { SLA_MISSED, SLA_WITHIN } from '../../pipeline/backpressure/sla.ts';
import type { ProxyRequest } from '../../pipeline/proxy-request.ts';
import type { ModelGroup } from '../../routing/group.ts';
import type { Ref } from '../../util/ref.ts';
import { engineView, num, plainEngineView } from './engine-views.ts';
import type { GroupView, LoadControl, UiSnapshot } from './types.ts';

const RATE_WINDOW_MS = 1000;
const ATTAINMENT_WINDOW_MS = 10_000;

interface GroupCounts {
  admitted: number;
  within: number;
  missed: number;
  refused: Map<string, number>;
}

interface Reading {
  t: number;
  groups: Map<string, GroupCounts>;
}

export interface SnapshotSources {
  /** Read at each snapshot: a config reload replaces them. */
  groups: Ref<ReadonlyMap<string, ModelGroup>>;
  backpressure: BackPressure | undefined;
  /** Refusals by group and code (BackpressureMetrics.refusedBy). */
  refusedBy: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** The attached load generator, if any (the demo attaches one after the gateway is built). */
  load(): LoadControl | undefined;
  /** Epoch ms. */
  now?: () => number;
}

const EMPTY = new Map<string, number>();

export class Snapshots {
  private readonly o: SnapshotSources;
  private readonly now: () => number;
  private readonly readings: Reading[] = [];

  constructor(o: SnapshotSources) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  take(): UiSnapshot {
    const t = this.now();
    const bp = this.o.backpressure;
    const reading: Reading = { t, groups: new Map() };
    const rateBase = this.before(t - RATE_WINDOW_MS);
    const slaBase = this.before(t - ATTAINMENT_WINDOW_MS);
    const groups: GroupView[] = [];
    const engines: UiSnapshot['engines'] = [];
    if (bp !== undefined) {
      const clock = bp.clock();
      for (const g of bp.groups.values()) {
        const counts: GroupCounts = {
          admitted: g.admittedTotal[0] + g.admittedTotal[1] + g.admittedTotal[2],
          within: g.sla[SLA_WITHIN],
          missed: g.sla[SLA_MISSED],
          refused: new Map(this.o.refusedBy.get(g.name) ?? EMPTY),
        };
        reading.groups.set(g.name, counts);
        groups.push(this.groupView(bp, g, counts, rateBase, slaBase, t));
        for (const e of g.engines) engines.push(engineView(bp, g.name, e, clock));
      }
    } else {
      for (const g of this.o.groups.current.values()) {
        groups.push(plainGroupView(g));
        for (const d of g.deployments) engines.push(plainEngineView(g.name, d));
      }
    }
    this.remember(reading);
    const load = this.o.load();
    return { t, backpressure: bp !== undefined, load: load?.state() ?? null, groups, engines };
  }

  private groupView(
    bp: BackPressure,
    g: GroupState<ProxyRequest>,
    now: GroupCounts,
    rateBase: Reading | undefined,
    slaBase: Reading | undefined,
    t: number,
  ): GroupView {
    const s = g.settings;
    const q = g.room.queue;
    const dt = rateBase === undefined ? 0 : t - rateBase.t;
    const then = dt > 0 ? rateBase!.groups.get(g.name) : undefined;
    const perS = (a: number, b: number | undefined) => (then === undefined ? 0 : num(((a - (b ?? 0)) * 1000) / dt)!);
    const refusedPerS: Record<string, number> = {};
    for (const [code, n] of now.refused) {
      const r = perS(n, then?.refused.get(code));
      if (r > 0) refusedPerS[code] = r;
    }
    const old = slaBase?.groups.get(g.name);
    const within = now.within - (old?.within ?? 0);
    const finished = within + now.missed - (old?.missed ?? 0);
    const queueDepth = {} as GroupView['queueDepth'];
    for (let p = 0; p < 3; p++) queueDepth[PRIORITY_NAMES[p]] = q.countOf(p as Priority);
    const capacity = bp.capacityBlocks(g.name);
    return {
      name: g.name,
      sla: { ttftMs: s.ttftBudgetMs, itlMs: s.itlSloMs > 0 ? s.itlSloMs : null },
      inFlight: g.admission.inFlight,
      inFlightLimit: num(g.admission.maxInFlight),
      admittedPerS: perS(now.admitted, then?.admitted),
      refusedPerS,
      queueDepth,
      queueBound: q.bounds.maxRequests,
      drainPerS: num(g.drainRate.perMs() * 1000),
      goodputPerS: perS(now.within, then?.within),
      attainment: finished > 0 && old !== undefined ? num(within / finished) : null,
      kvBlocks: { inFlight: num(bp.inFlightBlocks(g.name)), capacity: capacity > 0 ? capacity : null },
    };
  }

  /** The newest reading taken at or before `t`, else the oldest kept; undefined before the first. */
  private before(t: number): Reading | undefined {
    const r = this.readings;
    for (let i = r.length - 1; i >= 0; i--) if (r[i].t <= t) return r[i];
    return r[0];
  }

  /** Keeps the readings the attainment window needs: the newest one at least that old, and all after it. */
  private remember(reading: Reading): void {
    const r = this.readings;
    r.push(reading);
    while (r.length > 2 && r[1].t <= reading.t - ATTAINMENT_WINDOW_MS) r.shift();
  }
}

/** Without back pressure there are no gates, queues or SLA: in-flight requests only. */
function plainGroupView(g: ModelGroup): GroupView {
  let inFlight = 0;
  for (const d of g.deployments) inFlight += d.inFlight;
  return {
    name: g.name,
    sla: { ttftMs: null, itlMs: null },
    inFlight,
    inFlightLimit: null,
    admittedPerS: 0,
    refusedPerS: {},
    queueDepth: { critical: 0, standard: 0, sheddable: 0 },
    queueBound: null,
    drainPerS: null,
    goodputPerS: 0,
    attainment: null,
    kvBlocks: { inFlight: null, capacity: null },
  };
}
