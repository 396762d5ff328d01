/**
 * kv-aware (Dynamo's KV router cost): for a prompt of T tokens of which C(e) are believed cached on engine e,
 *
 *   uncached(e) = T − C(e)
 *   cost(e)     = prefill_weight · (queued_prefill_tokens(e) + uncached(e)) / block_size(e)
 *               + kv_blocks_used(e) + uncached(e) / block_size(e)
 *
 * i.e. the prefill work waiting on e once this request joins it, plus e's active KV blocks after admitting it,
 * both in blocks and both from e's reconciled load (src/load/engine-load.ts). Lowest cost wins, ties broken
 * uniformly at random. With temperature τ > 0 the choice is a softmax over costs normalised to [0, 1]:
 *   P(e) ∝ exp(−(cost(e) − min) / ((max − min) · τ))
 * Engines marked busy are excluded; when every candidate is busy there is no pick (the router's "all workers
 * busy"). Pure: reads the load, never reserves it.
 */
import type { EngineView, LoadAwareStrategy, PromptRouteRequest } from '../../load/view.ts';
import type { Random } from '../../util/random.ts';

export interface KvAwareOptions {
  random: Random;
  /** Weight of the prefill term against the KV term. Default 1. */
  prefillWeight?: number;
  /** Softmax temperature; 0 (default) always takes a lowest cost. */
  temperature?: number;
}

export interface KvCost {
  id: string;
  cost: number;
  cachedTokens: number;
  queuedPrefillTokens: number;
  kvBlocksUsed: number;
  busy: boolean;
}

export interface KvAwareStrategy extends LoadAwareStrategy {
  /** Each candidate's cost and inputs, for the debug log. Allocates: call only when logging it. */
  explain(candidates: readonly EngineView[], req: PromptRouteRequest): KvCost[];
}

let costs = new Float64Array(64);

export function kvAware(opts: KvAwareOptions): KvAwareStrategy {
  const random = opts.random;
  const w = opts.prefillWeight ?? 1;
  const temperature = opts.temperature ?? 0;

  function cost(e: EngineView, tokens: number, cached: number): number {
    const load = e.load;
    const uncached = tokens - cached;
    const bs = load.blockSize;
    return (w * (load.queuedPrefillTokens() + uncached)) / bs + load.kvBlocksUsed() + uncached / bs;
  }

  function cachedOn(e: EngineView, req: PromptRouteRequest): number {
    return req.prompt !== undefined && e.load.slot >= 0 ? req.prompt.cachedTokens(e.load.slot) : 0;
  }

  return {
    name: 'kv-aware',
    pick<D extends EngineView>(candidates: readonly D[], req: PromptRouteRequest): D | undefined {
      const n = candidates.length;
      if (costs.length < n) costs = new Float64Array(n * 2);
      const tokens = req.prompt?.tokens ?? 0;
      let best: D | undefined;
      let bestCost = Infinity;
      let worstCost = -Infinity;
      let ties = 0;
      for (let i = 0; i < n; i++) {
        const e = candidates[i];
        if (e.load.isBusy()) {
          costs[i] = NaN;
          continue;
        }
        const c = (costs[i] = cost(e, tokens, cachedOn(e, req)));
        if (c > worstCost) worstCost = c;
        if (c < bestCost) {
          best = e;
          bestCost = c;
          ties = 1;
        } else if (c === bestCost && random() * ++ties < 1) {
          best = e;
        }
      }
      if (temperature <= 0 || best === undefined || worstCost === bestCost) return best;
      return softmaxPick(candidates, bestCost, worstCost);
    },
    explain(candidates, req) {
      const tokens = req.prompt?.tokens ?? 0;
      return candidates.map((e) => {
        const cached = cachedOn(e, req);
        return {
          id: e.id,
          cost: cost(e, tokens, cached),
          cachedTokens: cached,
          queuedPrefillTokens: e.load.queuedPrefillTokens(),
          kvBlocksUsed: e.load.kvBlocksUsed(),
          busy: e.load.isBusy(),
        };
      });
    },
  };

  function softmaxPick<D>(candidates: readonly D[], min: number, max: number): D {
    const scale = 1 / ((max - min) * temperature);
    let total = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = costs[i];
      total += c === c ? (costs[i] = Math.exp(-(c - min) * scale)) : (costs[i] = 0); // NaN (busy) → weight 0
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
