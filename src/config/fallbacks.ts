/**
 * LiteLLM's fallbacks (`router_settings`): where a request goes when its model group cannot answer it. The
 * shapes are LiteLLM's: `fallbacks` and `context_window_fallbacks` / `content_policy_fallbacks` are lists of
 * one-key mappings `{group: [fallback, ...]}`, where the key `"*"` is the generic entry for every group without
 * its own; `default_fallbacks` is a list of groups, another spelling of that generic entry; `max_fallbacks`
 * bounds the hops of one request (LiteLLM's default 5).
 *
 * Spillway refuses at load what LiteLLM would only cut off at max_fallbacks: a cycle. The generic entry is not
 * given to the groups it names (a last resort has no last resort of its own), so `default_fallbacks: [a, b]`
 * is no cycle; an explicit loop (a → b → a) is refused with its path.
 */
import * as z from 'zod';
import { numeric } from './coerce.ts';

const GENERIC = '*';
const chains = () =>
  z.array(z.record(z.string(), z.array(z.string({ error: 'expected a model group name' }))), {
    error: 'expected a list of {model_group: [fallback groups]} mappings',
  });

/** Mounted in router_settings by ./schema.ts. */
export const fallbackSettingsShape = {
  fallbacks: chains().optional(),
  context_window_fallbacks: chains().optional(),
  content_policy_fallbacks: chains().optional(),
  default_fallbacks: z.array(z.string(), { error: 'expected a list of model group names' }).optional(),
  /** LiteLLM's default (router.py: max_fallbacks = 5). */
  max_fallbacks: numeric(z.int().nonnegative()).default(5),
};

type FallbackSettings = z.output<z.ZodObject<typeof fallbackSettingsShape>>;

/** Per model group, in the order tried; a group without an entry has none. */
export type FallbackChains = ReadonlyMap<string, readonly string[]>;

export interface FallbackConfig {
  /** After the group's own retries fail (and for spillover). */
  general: FallbackChains;
  /** When the engine answers its context-length error; undefined: the general chains (as LiteLLM). */
  contextWindow?: FallbackChains;
  /** When the upstream says a content policy refused the request; undefined: the general chains. */
  contentPolicy?: FallbackChains;
  /** Hops one request may take across groups. */
  maxFallbacks: number;
}

/** The resolved chains, or undefined when no fallback is configured. Problems go to `issues`. */
export function normalizeFallbacks(
  raw: FallbackSettings,
  groupNames: readonly string[],
  issues: string[],
): FallbackConfig | undefined {
  const generic = raw.default_fallbacks;
  const general = resolve('fallbacks', raw.fallbacks, generic, groupNames, issues);
  const contextWindow = resolve(
    'context_window_fallbacks',
    raw.context_window_fallbacks,
    undefined,
    groupNames,
    issues,
  );
  const contentPolicy = resolve(
    'content_policy_fallbacks',
    raw.content_policy_fallbacks,
    undefined,
    groupNames,
    issues,
  );
  if (general === undefined && contextWindow === undefined && contentPolicy === undefined) return undefined;
  return {
    general: general ?? new Map(),
    ...(contextWindow !== undefined && { contextWindow }),
    ...(contentPolicy !== undefined && { contentPolicy }),
    maxFallbacks: raw.max_fallbacks,
  };
}

function resolve(
  key: string,
  entries: readonly Record<string, string[]>[] | undefined,
  defaults: readonly string[] | undefined,
  groupNames: readonly string[],
  issues: string[],
): FallbackChains | undefined {
  if (entries === undefined && defaults === undefined) return undefined;
  const where = `router_settings.${key}`;
  const own = new Map<string, string[]>();
  let generic = defaults;
  (entries ?? []).forEach((entry, i) => {
    const names = Object.keys(entry);
    if (names.length !== 1) {
      issues.push(`${where}[${i}]: expected one model group per entry, got ${names.length}`);
      return;
    }
    const [from] = names;
    if (from === GENERIC) generic = entry[from];
    else if (!groupNames.includes(from)) issues.push(`${where}[${i}]: no model group "${from}"`);
    else
      own.set(
        from,
        entry[from].filter((to) => to !== from),
      );
  });
  const named = [...(generic ?? []), ...[...own.values()].flat()];
  for (const to of new Set(named))
    if (!groupNames.includes(to))
      issues.push(`${where}: fallback "${to}" is no model group (known: ${groupNames.join(', ')})`);
  if (generic !== undefined)
    for (const g of groupNames) if (!own.has(g) && !generic.includes(g)) own.set(g, [...generic]);
  const cycle = findCycle(own);
  if (cycle !== undefined) issues.push(`${where}: fallbacks loop: ${cycle.join(' → ')}`);
  return own;
}

/** A path that comes back to its start, if the chains have one (depth-first, each group left once). */
export function findCycle(chains: FallbackChains): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (g: string): string[] | undefined => {
    const at = path.indexOf(g);
    if (at >= 0) return [...path.slice(at), g];
    if (done.has(g)) return undefined;
    path.push(g);
    for (const to of chains.get(g) ?? []) {
      const found = visit(to);
      if (found !== undefined) return found;
    }
    path.pop();
    done.add(g);
    return undefined;
  };
  for (const g of chains.keys()) {
    const found = visit(g);
    if (found !== undefined) return found;
  }
  return undefined;
}
