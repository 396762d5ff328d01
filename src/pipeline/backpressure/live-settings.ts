/**
 * What back pressure decides by, as one frozen value built from the configuration (at start, and anew on every
 * PUT /admin/backpressure: ./settings.ts). The controller holds it in one reference (`SettingsRef`); each
 * component reads its part through a view of that reference at every decision (src/util/ref.ts), so a change
 * is one assignment, the next decision sees all of it, and nothing writes into a component.
 */

import { fairnessPolicy } from '../../admission/fairness/registry.ts';
import { type GroupLimits, groupInFlightCap, type IngressSettings } from '../../admission/ingress-admission.ts';
import { createShedRule } from '../../admission/shedding/registry.ts';
import type { BackpressureConfig, GroupBackpressure } from '../../config/backpressure.ts';
import type { EngineGateSettings } from '../../engine-admission/engine-gate.ts';
import type { BusyThresholds } from '../../load/busy.ts';
import type { RetryAfterBounds } from '../../routing/queue/retry-after.ts';
import type { WaitingRoomSettings } from '../../routing/queue/waiting-room.ts';
import { type DeepReadonly, deepFreeze, type Ref, view } from '../../util/ref.ts';

export interface GroupSettings {
  /** The group's TTFT budget and SLOs, and its own in-flight cap if it has one. */
  readonly configured: DeepReadonly<GroupBackpressure>;
  readonly admission: GroupLimits;
  readonly engine: EngineGateSettings;
  readonly queue: WaitingRoomSettings;
}

export interface BackpressureSettings {
  /** The configuration these were built from (the GET view, and what restart-only parts read). */
  readonly config: DeepReadonly<BackpressureConfig>;
  readonly ingress: IngressSettings;
  readonly busy: BusyThresholds;
  readonly retry: RetryAfterBounds;
  /** In the order of the controller's groups. */
  readonly groups: readonly GroupSettings[];
}

/** The one reference the controller replaces. */
export interface SettingsRef {
  current: BackpressureSettings;
}

/** A model group by name and engine count (its in-flight cap may be per engine). */
export interface GroupShape {
  readonly name: string;
  readonly engines: number;
}

/** Frozen settings from `config` (copied, so the caller's object stays the caller's). */
export function buildSettings(config: BackpressureConfig, groups: readonly GroupShape[]): BackpressureSettings {
  const c = structuredClone(config);
  const queue: WaitingRoomSettings = {
    bounds: { maxRequests: c.router.maxQueue, maxTokens: c.router.maxQueueTokens },
    fractions: c.ingress.fractions,
    marginSd: c.router.waitMarginSd,
  };
  return deepFreeze({
    config: c,
    ingress: {
      maxInFlight: c.ingress.maxInFlight,
      kvOvercommit: c.ingress.kvOvercommit,
      fractions: c.ingress.fractions,
      shed: createShedRule(c.ingress.shedRule, { start: c.ingress.shedStart }),
      fairness: fairnessPolicy(c.fairness.enabled ? c.fairness.policy : 'off'),
    },
    busy: {
      kvBusy: c.router.kvBusy,
      prefillBusyTokens: c.router.prefillBusyTokens,
      prefillBusyFraction: c.router.prefillBusyFraction,
    },
    retry: { minMs: c.router.retryAfterMinMs, maxMs: c.router.retryAfterMaxMs },
    groups: groups.map(({ name, engines }) => {
      const g = c.groups[name] ?? c.defaults;
      return {
        configured: g,
        admission: { maxInFlight: groupInFlightCap(g.maxInFlight, c.ingress.maxInFlightPerEngine, engines) },
        engine: {
          ttftSloMs: g.ttftSloMs,
          itlSloMs: g.itlSloMs,
          margin: c.engine.sloMargin,
          minSamples: c.engine.sloMinSamples,
          normTokens: c.engine.normTokens,
        },
        queue,
      };
    }),
  });
}

/** The views one group's components read, of the group at `index` of `root`'s settings. */
export function groupViews(root: Ref<BackpressureSettings>, index: number) {
  return {
    group: view(root, (s) => s.groups[index]),
    admission: view(root, (s) => s.groups[index].admission),
    engine: view(root, (s) => s.groups[index].engine),
    queue: view(root, (s) => s.groups[index].queue),
  };
}
