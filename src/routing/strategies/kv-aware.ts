/**
 * kv-aware: prefix-cache affinity under bounded loads. Over the engines not busy and under the load bound
 * (./bounded-load.ts: in_flight(e) < ⌈(1 + ε)·m + √m⌉, m the mean in-flight count counting this request),
 *
 *   1. the engine holding the longest prefix of the prompt (the prefix index's overlap, in blocks) wins;
 *      equal overlaps go to the rendezvous owner of the last shared block, so a prefix that a spill copied
 *      to a second engine keeps one home and the copy ages out of the index;
 *   2. if none holds any of it, the lowest
 *        cost(e) = (queued_prefill_tokens(e) + T − C(e)) / block_size(e)
 *      wins, the prefill work before the first token (T prompt tokens, C(e) estimated cached: EngineLoad
 *      .cachedTokens), from e's reconciled load (src/load/engine-load.ts); ties to the least KV in use, then at
 *      random. With temperature τ > 0 this choice is a softmax over costs normalised to [0, 1]:
 *        P(e) ∝ exp(−(cost(e) − min) / ((max − min) · τ))
 * Engines marked busy are excluded; when every candidate is busy there is no pick (the router's "all workers
 * busy"). Pure: reads the load, never reserves it.
 *
 * Why balance by the in-flight bound and not by a KV term in the cost (Dynamo's router adds the engine's active
 * KV blocks): an engine's reported KV counts the prefix blocks its running requests share, so the engine that
 * caches a hot prefix reports more KV for holding it. On 3 engines × 10 shared 1,800-token prompts, scraped,
 * the picks that left the engine holding the prompt saw it 233 blocks fuller by the report (15 by the
 * prediction), more than the 145 blocks of prefill and KV it would save; 9 of 10 prompts then spread over 2-3
 * engines and the hit rate fell from 91 % to 71-76 %. Scoring cached engines by the prefill cost alone still
 * let an owner with one prompt in prefill lose to a copy with none, and the prefix alternated between them
 * (83 % without reports). KV exhaustion stays guarded by busy_kv_usage and back pressure's KV budget; the bound
 * keeps every engine within (1 + ε)·m + √m in flight.
 */
import type { EngineView, LoadAwareStrategy, PromptRouteRequest } from '../engine-view.ts';
import type { Random } from '../../util/random.ts';
import { DEFAULT_SLACK, loadBound, rendezvous } from './bounded-load.ts';

export interface KvAwareOptions {
  random: Random;
  /** Load slack ε of the bound over an equal in-flight share. Default 0.25 (./bounded-load.ts). */
  slack?: number;
  /** Softmax temperature; 0 (default) always takes a lowest cost. */
  temperature?: number;
}

export interface KvCost {
  id: string;
  cost: number;
  cachedTokens: number;
  queuedPrefillTokens: number;
  kvBlocksUsed: number;
  inFlight: number;
  /** Busy, or at the in-flight bound: not a candidate for this request. */
  excluded: boolean;
}

export interface KvAwareStrategy extends LoadAwareStrategy {
  /** Each candidate's cost and inputs, for the debug log. Allocates: call only when logging it. */
  explain(candidates: readonly EngineView[], req: PromptRouteRequest): KvCost[];
}

let costs = new Float64Array(64);

export function kvAware(opts: KvAwareOptions): KvAwareStrategy {
  const random = opts.random;
  const slack = opts.slack ?? DEFAULT_SLACK;
  const temperature = opts.temperature ?? 0;

  function cachedOn(e: EngineView, req: PromptRouteRequest): number {
    return req.prompt !== undefined ? e.load.cachedTokens(req.prompt) : 0;
  }

  function cost(e: EngineView, tokens: number, cached: number): number {
    return (e.load.queuedPrefillTokens() + tokens - cached) / e.load.blockSize;
  }

  /** Blocks of the prompt's head e holds (the index's overlap), 0 without a prompt. */
  function overlap(e: EngineView, req: PromptRouteRequest): number {
    const o = req.prompt?.overlaps;
    const s = e.load.slot;
    return o !== undefined && s >= 0 && s < o.length ? o[s] : 0;
  }

  return {
    name: 'kv-aware',
    pick<D extends EngineView>(candidates: readonly D[], req: PromptRouteRequest): D | undefined {
      const n = candidates.length;
      if (costs.length < n) costs = new Float64Array(n * 2);
      const bound = loadBound(candidates, slack);
      if (bound === 0) return undefined;
      const tokens = req.prompt?.tokens ?? 0;
      // The longest overlap under the bound; among equal overlaps, the rendezvous owner of the shared prefix.
      let owner: D | undefined;
      let ownerOverlap = 0;
      let ownerWeight = -1;
      let best: D | undefined;
      let bestCost = Infinity;
      let worstCost = -Infinity;
      let ties = 0;
      for (let i = 0; i < n; i++) {
        const e = candidates[i];
        if (e.load.isBusy() || e.load.inFlight() >= bound) {
          costs[i] = NaN;
          continue;
        }
        const o = overlap(e, req);
        if (o > 0 && o >= ownerOverlap) {
          const w = rendezvous(req.prompt!.hashes[o - 1], e.id);
          if (o > ownerOverlap || w > ownerWeight) {
            owner = e;
            ownerOverlap = o;
            ownerWeight = w;
          }
        }
        const c = (costs[i] = cost(e, tokens, cachedOn(e, req)));
        if (c > worstCost) worstCost = c;
        if (c < bestCost) {
          best = e;
          bestCost = c;
          ties = 1;
        } else if (c === bestCost) {
          const kv = e.load.kvBlocksUsed();
          const bestKv = best!.load.kvBlocksUsed();
          if (kv < bestKv || (kv === bestKv && random() * ++ties < 1)) {
            if (kv < bestKv) ties = 1;
            best = e;
          }
        }
      }
      if (owner !== undefined) return owner;
      if (temperature <= 0 || best === undefined || worstCost === bestCost) return best;
      return softmaxPick(candidates, bestCost, worstCost);
    },
    explain(candidates, req) {
      const tokens = req.prompt?.tokens ?? 0;
      const bound = loadBound(candidates, slack);
      return candidates.map((e) => {
        const cached = cachedOn(e, req);
        return {
          id: e.id,
          cost: cost(e, tokens, cached),
          cachedTokens: cached,
          queuedPrefillTokens: e.load.queuedPrefillTokens(),
          kvBlocksUsed: e.load.kvBlocksUsed(),
          inFlight: e.load.inFlight(),
          excluded: e.load.isBusy() || e.load.inFlight() >= bound,
        };
      });
    },
  };

  function softmaxPick<D>(candidates: readonly D[], min: number, max: number): D {
    const scale = 1 / ((max - min) * temperature);
    let total = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = costs[i];
      total += c === c ? (costs[i] = Math.exp(-(c - min) * scale)) : (costs[i] = 0); // NaN (excluded) → weight 0
    }
    let r = random() * total;
    let last = 0;
    for (let i = 0; i < candidates.length; i++) {
      if (costs[i] === 0) continue;
      last = i;
      r -= costs[i];
      if (r < 0) return candidates[i];
    }
    return candidates[last];
  }
}
