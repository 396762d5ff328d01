/**
 * Tag-based routing (router_settings.enable_tag_filtering): the deployments of a group a request's tags allow,
 * as LiteLLM's router_strategy/tag_based_routing.py chooses them:
 *   request with tags   the deployments matching them (match_any: sharing any tag; else carrying every one),
 *                       else those tagged `default`, else none (the request is refused: no_tag_match)
 *   request without     those tagged `default`, else every deployment
 * A request's tags are the union of the body's `tags`, its `metadata.tags` and the `x-litellm-tags` header
 * (comma-separated). Deployments' tags are fixed by the config, so this narrows before any state is read.
 */
import type { TagRouting } from '../config/types.ts';
import type { Deployment } from './deployment.ts';
import { cutTo } from './profile/scratch.ts';
import type { RouteRequest } from './types.ts';

const DEFAULT_TAG = 'default';

export class TagPool<D extends Deployment> {
  private readonly all: readonly D[];
  private readonly defaults: readonly D[];
  private readonly sets: ReadonlyMap<D, ReadonlySet<string>>;
  private readonly matchAny: boolean;
  // Scratch, reused per selection: routing is synchronous.
  private readonly requested: string[] = [];
  private readonly out: D[] = [];

  constructor(deployments: readonly D[], settings: TagRouting) {
    this.all = deployments;
    this.matchAny = settings.matchAny;
    this.sets = new Map(deployments.map((d) => [d, new Set(d.config.tags ?? [])]));
    const defaults = deployments.filter((d) => this.sets.get(d)!.has(DEFAULT_TAG));
    this.defaults = defaults.length > 0 ? defaults : deployments;
  }

  /** The deployments `req`'s tags allow; empty when it has tags that none matches and none is `default`. */
  pool(req: RouteRequest): readonly D[] {
    const tags = requestTags(req, this.requested);
    if (tags.length === 0) return this.defaults;
    let kept = 0;
    for (const d of this.all) if (this.matches(this.sets.get(d)!, tags)) this.out[kept++] = d;
    if (kept > 0) return cutTo(this.out, kept);
    return this.defaults === this.all ? cutTo(this.out, 0) : this.defaults;
  }

  private matches(have: ReadonlySet<string>, tags: readonly string[]): boolean {
    if (this.matchAny) {
      for (const t of tags) if (have.has(t)) return true;
      return false;
    }
    for (const t of tags) if (!have.has(t)) return false;
    return true;
  }
}

/** The request's tags into `out` (cut to them). */
export function requestTags(req: RouteRequest, out: string[]): string[] {
  let n = 0;
  n = addAll(req.body.tags, out, n);
  const metadata = req.body.metadata;
  if (typeof metadata === 'object' && metadata !== null) n = addAll((metadata as Record<string, unknown>).tags, out, n);
  const header = req.tagsHeader;
  if (header !== undefined)
    for (const part of header.split(',')) {
      const t = part.trim();
      if (t !== '') out[n++] = t;
    }
  return cutTo(out, n);
}

function addAll(tags: unknown, out: string[], n: number): number {
  if (!Array.isArray(tags)) return n;
  for (const t of tags) if (typeof t === 'string' && t !== '') out[n++] = t;
  return n;
}
