/**
 * The tenant gate is built once with the gateway: with keys on, the gate and (given a store) its usage flusher;
 * with keys off, neither, and the pipeline's stage is NO_TENANTS. Its metrics are registered either way.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../util/clock.ts';
import { TenantGate } from './gate.ts';
import { TenantMetrics } from './tenant-metrics.ts';
import type { KeyDirectory } from './types.ts';
import { UsageFlusher } from './usage-flusher.ts';
import type { UsageSink } from './usage-sink.ts';

export interface TenantParts {
  readonly gate: TenantGate | undefined;
  readonly usage: UsageFlusher | undefined;
}

export function tenantParts(
  keys: KeyDirectory | undefined,
  sink: UsageSink | undefined,
  o: { registry: Registry; clock: Clock; log: Logger },
): TenantParts {
  const metrics = new TenantMetrics(o.registry);
  if (keys === undefined) return { gate: undefined, usage: undefined };
  const gate = new TenantGate({ clock: o.clock, metrics });
  return { gate, usage: sink === undefined ? undefined : new UsageFlusher(gate, sink, o.log) };
}
