/**
 * Back pressure's per-group and per-engine state for a set of model groups: built at start and rebuilt by a
 * config reload (src/reload) around what stays.
 *
 *   a group that stays (by name)  its GroupState stays: queue, admission counters, drain rates, SLA counts;
 *                                 it now routes its queue to the group's new members
 *   a new group                   a new GroupState, at a new index of the settings' groups
 *   a removed group               leaves `groups` for `retired` until its queue and attempts are done
 *   an engine that stays          its EngineSlot (adaptive limit, latency windows, penalty) stays; a deployment
 *                                 of the same id and engine (src/reload/routing-set.ts sameEngine) keeps the gate
 *
 * A group's name keeps its index in `groupShapes` (and so in `settings.groups`, which its views read by index)
 * for the life of the process.
 */
import type { BackpressureConfig } from '../../config/backpressure.ts';
import { EngineGate } from '../../engine-admission/engine-gate.ts';
import { createLimit } from '../../engine-admission/limits/registry.ts';
import { EngineLoad } from '../../load/engine-load.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { ModelGroup, RouteGate } from '../../routing/group.ts';
import { DrainRate } from '../../routing/queue/drain-rate.ts';
import type { Timers } from '../../routing/queue/timers.ts';
import { WaitingRoom, type WaitingRoomHost } from '../../routing/queue/waiting-room.ts';
import { sameEngine } from '../../routing/same-engine.ts';
import type { Clock } from '../../util/clock.ts';
import type { Random } from '../../util/random.ts';
import type { DeepReadonly } from '../../util/ref.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import { EngineSlot } from './engines.ts';
import { GroupState, type QueueExit } from './groups.ts';
import { buildSettings, type GroupShape, groupViews, type SettingsRef } from './live-settings.ts';

/** What regrouping reads and replaces of the controller (./controller.ts). */
export interface RegroupTarget extends RouteGate {
  readonly settings: SettingsRef;
  readonly config: DeepReadonly<BackpressureConfig>;
  readonly groups: Map<string, GroupState<ProxyRequest>>;
  readonly slots: WeakMap<Deployment, EngineSlot>;
  readonly groupShapes: GroupShape[];
  readonly retired: Set<GroupState<ProxyRequest>>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly parts: { random: Random; engineLoad?: (deploymentId: string) => EngineLoad | undefined };
  readonly queueHost: WaitingRoomHost<ProxyRequest, QueueExit> | undefined;
}

/** Makes `bp`'s state follow `groups` (at start: from nothing). */
export function regroup(bp: RegroupTarget, groups: ReadonlyMap<string, ModelGroup>): void {
  const previous = new Map<string, EngineSlot>();
  for (const g of bp.groups.values()) for (const e of g.engines) previous.set(e.deployment.id, e);
  const shapes = bp.groupShapes;
  for (const [name, group] of groups) {
    const index = shapes.findIndex((s) => s.name === name);
    const shape = { name, engines: group.deployments.length };
    if (index < 0) shapes.push(shape);
    else shapes[index] = shape;
  }
  // Copied from the settings in force, so a PUT /admin/backpressure made since stays.
  bp.settings.current = buildSettings(bp.config as BackpressureConfig, shapes);
  for (const [name, g] of bp.groups) {
    if (groups.has(name)) continue;
    bp.groups.delete(name);
    bp.retired.add(g);
  }
  for (const [name, group] of groups) {
    const index = shapes.findIndex((s) => s.name === name);
    const engines = group.deployments.map((d) => slotFor(bp, d, index, previous.get(d.id)));
    const kept = bp.groups.get(name);
    const rebound = kept !== undefined && kept.group !== group;
    if (rebound) kept.rebind(group, engines);
    const g = kept ?? newGroupState(bp, group, engines, index);
    bp.groups.set(name, g);
    for (const e of engines) wire(e, g);
    if (group.gate !== bp) group.gate = bp;
    // New members may take what waits now: a capacity event.
    if (rebound) g.room.drainSoon();
  }
}

/** Drops the retired groups whose queue is empty and whose attempts have ended. */
export function forgetRetired(bp: RegroupTarget): void {
  for (const g of bp.retired) if (g.room.size === 0 && g.attempts === 0) bp.retired.delete(g);
}

/** Whether a request still queued may yet be routed to `d` (a removed deployment drains after that too). */
export function queuedFor(bp: RegroupTarget, d: Deployment): boolean {
  for (const g of [...bp.groups.values(), ...bp.retired])
    if (g.room.size > 0 && g.group.deployments.includes(d)) return true;
  return false;
}

function slotFor(bp: RegroupTarget, d: Deployment, index: number, before: EngineSlot | undefined): EngineSlot {
  const own = bp.slots.get(d);
  if (own !== undefined) return own;
  const cfg = bp.config;
  const shared = bp.parts.engineLoad?.(d.id);
  // The same engine under a changed deployment: its gate (and load model) stays.
  const same = before !== undefined && sameEngine(before.deployment.config, d.config);
  const load =
    shared ??
    (same
      ? before.load
      : new EngineLoad({
          id: d.id,
          clock: bp.clock,
          blockSize: cfg.ingress.blockSize,
          totalBlocks: cfg.ingress.kvCapacityBlocks || undefined,
          maxParallelRequests: d.config.maxParallelRequests,
        }));
  const gate = same
    ? before.gate
    : new EngineGate({
        id: d.id,
        clock: bp.clock,
        limit: createLimit(cfg.engine.limitAlgorithm, cfg.engine.limit, { clock: bp.clock, random: bp.parts.random }),
        settings: groupViews(bp.settings, index).engine,
        windowMs: cfg.engine.sloWindowMs,
        reports: load,
      });
  const slot = new EngineSlot(d, gate, load, shared === undefined);
  bp.slots.set(d, slot);
  return slot;
}

function newGroupState(
  bp: RegroupTarget,
  group: ModelGroup,
  engines: EngineSlot[],
  index: number,
): GroupState<ProxyRequest> {
  const clock = bp.clock;
  const drainMs = bp.config.router.drainWindowMs;
  const sustainedMs = 5 * drainMs; // sustained overload is judged over five drain windows (wait-estimate.ts)
  const rate = (windowMs: number) => new DrainRate({ clock, windowMs });
  const views = groupViews(bp.settings, index);
  const g = new GroupState<ProxyRequest>(
    group,
    engines,
    views.group,
    views.admission,
    rate(drainMs),
    rate(sustainedMs),
  );
  const perClass = (windowMs: number) => [0, 1, 2].map(() => rate(windowMs));
  g.room = new WaitingRoom({
    settings: views.queue,
    arrivalRates: perClass(drainMs),
    offeredRates: perClass(drainMs),
    sustained: { offered: perClass(sustainedMs), dispatched: g.sustainedDrain },
    departures: g.departures,
    clock,
    timers: bp.timers,
    drainRate: g.drainRate,
  });
  if (bp.queueHost !== undefined) g.room.attach(bp.queueHost);
  return g;
}

/** The engine's group's queue, classes and departures; an engine report is a capacity event for the queue. */
function wire(e: EngineSlot, g: GroupState<ProxyRequest>): void {
  if (e.room === g.room) return;
  e.room = g.room as WaitingRoom<unknown, unknown>;
  e.activity = g.activity;
  e.departures = g.departures;
  if (e.ownLoad === false) {
    const room = g.room;
    e.load.onReport(() => room.drainSoon());
  }
}
