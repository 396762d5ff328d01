/**
 * `spillway.spillover`: when back pressure would refuse a request (any gate of the three levels) and its model
 * group has a fallback (router_settings.fallbacks), the request goes to the fallback group instead, through
 * that group's own back pressure. Off by default; on, it applies to the classes listed (critical requests
 * queue or are refused where they are unless listed), and a group may override both (docs/BACKPRESSURE.md).
 */
import * as z from 'zod';
import { PRIORITY_NAMES } from '../admission/priority.ts';
import { boolean, section } from './coerce.ts';

const classes = () => z.array(z.enum(PRIORITY_NAMES));

const groupSpilloverShape = {
  enabled: boolean().optional(),
  classes: classes().optional(),
};

export const spilloverShape = {
  enabled: boolean().default(false),
  /** Critical requests are the ones a smaller fallback model would serve worst: they wait for their group. */
  classes: classes().default(['standard', 'sheddable']),
  groups: z.record(z.string(), section(groupSpilloverShape)).default({}),
};

export const SpilloverSchema = section(spilloverShape);

export const SPILLOVER_KNOWN_KEYS: Record<string, readonly string[]> = {
  'spillway.spillover': Object.keys(spilloverShape),
};

/** Per model group: which priority classes spill (indexed by Priority); groups absent spill none. */
export type SpilloverConfig = ReadonlyMap<string, readonly [boolean, boolean, boolean]>;

export function normalizeSpillover(
  raw: z.output<typeof SpilloverSchema>,
  groupNames: readonly string[],
  issues: string[],
): SpilloverConfig {
  const spill = new Map<string, readonly [boolean, boolean, boolean]>();
  for (const name of Object.keys(raw.groups))
    if (!groupNames.includes(name)) issues.push(`spillway.spillover.groups.${name}: no model group of that name`);
  for (const name of groupNames) {
    const own = raw.groups[name];
    if (!(own?.enabled ?? raw.enabled)) continue;
    const on = own?.classes ?? raw.classes;
    spill.set(name, [on.includes('critical'), on.includes('standard'), on.includes('sheddable')]);
  }
  return spill;
}
