/**
 * LiteLLM's routing keys beyond the basics (issue 16, item 4): a deployment's `tags` and `order`, tag filtering
 * in router_settings, and rpm/tpm as simple-shuffle weights. ./schema.ts mounts the shapes; ./normalize.ts
 * calls tagRouting and shuffleWeights. docs/ROUTING.md, "LiteLLM's routing keys", says what each does.
 */
import * as z from 'zod';
import { boolean, numeric } from './coerce.ts';
import type { DeploymentConfig, TagRouting } from './types.ts';

/** Mounted into litellm_params. */
export const routingParamsShape = {
  /** Tag-based routing: the tags this deployment serves; `default` takes requests without tags. */
  tags: z.array(z.string().min(1), { error: 'expected a list of tags' }).optional(),
  /** In-group priority tier, lowest first: a higher tier only while no lower one can take the request. */
  order: numeric(z.int().nonnegative()).optional(),
};

/** Mounted into router_settings. */
export const tagRoutingShape = {
  /** LiteLLM default false: tags are ignored. */
  enable_tag_filtering: boolean().default(false),
  /** LiteLLM default true: a deployment carrying any tag of the request matches; false: it must carry all. */
  tag_filtering_match_any: boolean().default(true),
};

/** RouterConfig's `tags`, present only when tag filtering is on. */
export function tagRouting(router: { enable_tag_filtering: boolean; tag_filtering_match_any: boolean }): {
  tags?: TagRouting;
} {
  return router.enable_tag_filtering ? { tags: { matchAny: router.tag_filtering_match_any } } : {};
}

type ShuffleKey = 'weight' | 'rpm' | 'tpm';

/**
 * Sets each deployment's simple-shuffle `weight` as LiteLLM's simple-shuffle weighs it: by `weight` when the
 * group sets one, else by `rpm`, else by `tpm`, else uniformly. LiteLLM decides by the first candidate of each
 * pick; Spillway decides once per group (by any deployment of it), so the pick does not depend on the order
 * of what is left. A deployment without the group's key weighs 1 under `weight` (as before) and the group's
 * mean under rpm/tpm (LiteLLM: 0, which would starve a deployment that merely has no limit).
 */
export function shuffleWeights(deployments: DeploymentConfig[], explicit: ReadonlySet<DeploymentConfig>): void {
  const groups = new Map<string, DeploymentConfig[]>();
  for (const d of deployments) {
    const list = groups.get(d.group);
    if (list === undefined) groups.set(d.group, [d]);
    else list.push(d);
  }
  for (const members of groups.values()) {
    const key = shuffleKey(members, explicit);
    if (key === 'weight' || key === undefined) continue;
    const set = members.filter((d) => d[key] !== undefined);
    const mean = set.reduce((sum, d) => sum + (d[key] ?? 0), 0) / set.length;
    for (const d of members) d.weight = d[key] ?? mean;
  }
}

function shuffleKey(
  members: readonly DeploymentConfig[],
  explicit: ReadonlySet<DeploymentConfig>,
): ShuffleKey | undefined {
  if (members.some((d) => explicit.has(d))) return 'weight';
  if (members.some((d) => d.rpm !== undefined)) return 'rpm';
  if (members.some((d) => d.tpm !== undefined)) return 'tpm';
  return undefined;
}
