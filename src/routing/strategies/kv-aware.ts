/**
 * kv-aware: prefix-cache affinity under bounded loads. For a prompt of T tokens of which C(e) are estimated
 * cached on engine e (the prefix index's overlap, calibrated by e's own hit counters: EngineLoad.cachedTokens),
 *
 *   candidates  = engines not busy with in_flight(e) < bound     (./bounded-load.ts: bound = ceil((1+ε)(Σ+1)/n))
 *   cost(e)     = (queued_prefill_tokens(e) + T − C(e)) / block_size(e)
 *
 * i.e. the prefill work that stands between the request and its first token on e, in blocks, from e's
 * reconciled load (src/load/engine-load.ts). Lowest cost wins. Equal costs: when the engines hold the same
 * prefix, the rendezvous owner of its last shared block (so a prefix copied to a second engine by a spill
 * stays with one of them and the other copy ages out of the index); otherwise the least KV in use, then random.
 * With temperature τ > 0 the choice is a softmax over costs normalised to [0, 1]:
 *   P(e) ∝ exp(−(cost(e) − min) / ((max − min) · τ))
 * Engines marked busy are excluded; when every candidate is busy there is no pick (the router's "all workers
 * busy"). Pure: reads the load, never reserves it.
 *
 * Why balance by the in-flight bound and not by a KV term in the cost (Dynamo's router adds the engine's active
 * KV blocks): an engine's reported KV counts the prefix blocks its running requests share, so the engine that
 * caches a hot prefix reports more KV for holding it. On 3 engines × 10 shared 1,800-token prompts, scraped,
 * the picks that left the engine holding the prompt saw it 233 blocks fuller by the report (15 by the
 * prediction), more than the 145 blocks of prefill and KV it would save; 9 of 10 prompts then spread over 2-3
 * engines and the hit rate fell from 91 % to 71-76 %. KV exhaustion stays guarded by busy_kv_usage and back
 * pressure's KV budget; the bound keeps every engine within (1 + ε) of the mean in-flight count.
 */
import type { EngineView, LoadAwareStrategy, PromptRouteRequest } from '../../load/view.ts';
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
      let best: D | undefined;
      let bestCost = Infinity;
      let worstCost = -Infinity;
      let bestOverlap = 0;
      let ties = 0;
      for (let i = 0; i < n; i++) {
        const e = candidates[i];
        if (e.load.isBusy() || e.load.inFlight() >= bound) {
          costs[i] = NaN;
          continue;
        }
        const c = (costs[i] = cost(e, tokens, cachedOn(e, req)));
        if (c > worstCost) worstCost = c;
        if (c < bestCost) {
          best = e;
          bestCost = c;
          bestOverlap = overlap(e, req);
          ties = 1;
        } else if (c === bestCost && best !== undefined) {
          const o = overlap(e, req);
          if (o > 0 && o === bestOverlap) {
            // The same prefix on both: its rendezvous owner keeps it.
            const key = req.prompt!.hashes[o - 1];
            if (rendezvous(key, e.id) > rendezvous(key, best.id)) best = e;
          } else {
            const kv = e.load.kvBlocksUsed();
            const bestKv = best.load.kvBlocksUsed();
            if (kv < bestKv) {
              best = e;
              bestOverlap = o;
              ties = 1;
            } else if (kv === bestKv && random() * ++ties < 1) {
              best = e;
              bestOverlap = o;
            }
          }
        }
      }
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
