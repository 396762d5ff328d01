/** The workloads `spillway bench --workload NAME` knows, by name. Add one by adding its definition here. */

import { chatShort, mixed } from './mix.ts';
import { seedLocust } from './seed-locust.ts';
import { sharedPrefix } from './shared-prefix.ts';
import type { Workload, WorkloadContext, WorkloadDefinition } from './types.ts';
import { longOutput, rag, uniform } from './uniform.ts';

export const WORKLOADS: ReadonlyMap<string, WorkloadDefinition> = new Map(
  [seedLocust, chatShort, sharedPrefix, mixed, uniform, longOutput, rag].map((w) => [w.name, w]),
);

/**
 * `name` or `name:key=value,key=value` → a workload. Unknown names and knobs are errors that list what exists.
 */
export function createWorkload(spec: string, ctx: Omit<WorkloadContext, 'params'>): Workload {
  const [name, knobs] = spec.split(':', 2);
  const def = WORKLOADS.get(name);
  if (!def) throw new Error(`unknown workload "${name}"; known: ${[...WORKLOADS.keys()].join(', ')}`);
  const params: Record<string, number> = { ...def.defaults };
  for (const pair of knobs ? knobs.split(',') : []) {
    const [key, raw] = pair.split('=', 2);
    if (!(key in def.defaults)) {
      const known = Object.keys(def.defaults);
      throw new Error(`workload ${name} has no knob "${key}"${known.length ? `; knobs: ${known.join(', ')}` : ''}`);
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`workload ${name}: ${key} must be a number >= 0, got "${raw}"`);
    params[key] = value;
  }
  return def.create({ ...ctx, params });
}
