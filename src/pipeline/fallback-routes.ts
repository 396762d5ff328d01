/**
 * Where a request goes when its model group cannot answer it: the fallback chains of the config, by name,
 * each name looked up in the routing set of the moment (a reload may replace a group, src/reload), and which
 * classes of which groups spill back pressure's refusals.
 *
 * The next group is chosen as LiteLLM's recursion chooses it, without its recursion: the request's path of
 * groups is walked back from the latest, and the first group of a chain not yet visited is next. With
 * a → [b, c] and b → [d], a request that fails on a tries b, then d, then c. At most `maxFallbacks` hops.
 */
import type { Priority } from '../admission/priority.ts';
import type { FallbackChains, FallbackConfig } from '../config/fallbacks.ts';
import type { SpilloverConfig } from '../config/spillover.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { Ref } from '../util/ref.ts';

/** Why a request leaves its group: its retries failed, the engine's context-length error, a content policy. */
export type FallbackKind = 'general' | 'context_window' | 'content_policy';

type Chains = ReadonlyMap<string, readonly string[]>;
const NONE: readonly string[] = [];
const NO_SPILL: readonly [boolean, boolean, boolean] = [false, false, false];

export class FallbackRoutes {
  readonly maxFallbacks: number;
  private readonly general: Chains;
  private readonly contextWindow: Chains;
  private readonly contentPolicy: Chains;
  private readonly spill: SpilloverConfig;
  private readonly groups: Ref<ReadonlyMap<string, ModelGroup>>;

  constructor(config: FallbackConfig, spillover: SpilloverConfig, groups: Ref<ReadonlyMap<string, ModelGroup>>) {
    this.maxFallbacks = config.maxFallbacks;
    this.general = nonEmpty(config.general);
    this.contextWindow = config.contextWindow === undefined ? this.general : nonEmpty(config.contextWindow);
    this.contentPolicy = config.contentPolicy === undefined ? this.general : nonEmpty(config.contentPolicy);
    this.spill = spillover;
    this.groups = groups;
  }

  /** The group has a chain for an upstream's 4xx: its 400/413/422 answers are held until judged. */
  judgesClientErrors(group: string): boolean {
    return this.contextWindow.has(group) || this.contentPolicy.has(group);
  }

  /** Back pressure's refusals of this group and class go to its fallback. */
  spills(group: string, p: Priority): boolean {
    return (this.spill.get(group) ?? NO_SPILL)[p] && this.general.has(group);
  }

  /** The next group for a request whose path of groups is `path` (the current one last); undefined: none. */
  next(path: readonly string[], kind: FallbackKind): ModelGroup | undefined {
    if (path.length > this.maxFallbacks) return undefined;
    const chains =
      kind === 'general' ? this.general : kind === 'context_window' ? this.contextWindow : this.contentPolicy;
    const groups = this.groups.current;
    for (let i = path.length - 1; i >= 0; i--) {
      for (const name of chains.get(path[i]) ?? NONE) {
        if (path.includes(name)) continue;
        // A group a reload removed is passed over.
        const g = groups.get(name);
        if (g !== undefined) return g;
      }
    }
    return undefined;
  }
}

function nonEmpty(chains: FallbackChains): Chains {
  const out = new Map<string, readonly string[]>();
  for (const [from, to] of chains) if (to.length > 0) out.set(from, to);
  return out;
}
