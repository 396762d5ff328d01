/**
 * kv-aware: prefix-cache affinity under bounded loads. Over the engines not busy and under the load bound
 * (../filters/load-bound.ts: in_flight(e) < ⌈(1 + ε)·m + √m⌉, m the mean in-flight count counting this request),
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
 * busy"). Pure: reads the load, never reserves it. As a profile: filters not-busy, load-bound; stage 1
 * longest-prefix → rendezvous of the last shared block → max-score; stage 2 prefill-cost, ties to the lowest
 * kv_blocks_used → max-score (softmax at τ > 0).
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
import type { Random } from '../../util/random.ts';
import { DEFAULT_SLACK, loadBound, underLoadBound } from '../filters/load-bound.ts';
import { longestPrefix, overlap } from '../filters/longest-prefix.ts';
import { notBusy } from '../filters/not-busy.ts';
import { maxScore } from '../pickers/max-score.ts';
import { softmax } from '../pickers/softmax.ts';
import { profileStrategy } from '../profile/profile.ts';
import { lowest } from '../scorers/lowest.ts';
import { cachedOn, prefillCost, prefillCostScorer } from '../scorers/prefill-cost.ts';
import { rendezvousScorer } from '../scorers/rendezvous.ts';
import type { EngineView, RouteRequest, RoutingStrategy } from '../types.ts';

export interface KvAwareOptions {
  random: Random;
  /** Load slack ε of the bound over an equal in-flight share. Default 0.25 (../filters/load-bound.ts). */
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

export interface KvAwareStrategy extends RoutingStrategy<EngineView> {
  /** Each candidate's cost and inputs, for the debug log. Allocates: call only when logging it. */
  explain(candidates: readonly EngineView[], req: RouteRequest): KvCost[];
}

/** The rendezvous key of a prefix holder: the hash of the last block it shares with the prompt. */
const lastSharedBlock = (e: EngineView, req: RouteRequest) => req.prompt!.hashes[overlap(e, req) - 1];

export function kvAware(opts: KvAwareOptions): KvAwareStrategy {
  const slack = opts.slack ?? DEFAULT_SLACK;
  const temperature = opts.temperature ?? 0;
  const strategy = profileStrategy<EngineView>(
    {
      name: 'kv-aware',
      filters: [notBusy, underLoadBound(slack)],
      stages: [
        {
          filters: [longestPrefix],
          scorers: [{ scorer: rendezvousScorer('prefix-owner', lastSharedBlock), weight: 1 }],
          picker: maxScore,
        },
        {
          scorers: [{ scorer: prefillCostScorer, weight: 1 }],
          tieBreak: lowest('kv-blocks-used', (e: EngineView) => e.load.kvBlocksUsed()),
          picker: temperature > 0 ? softmax(temperature) : maxScore,
        },
      ],
    },
    opts.random,
  );
  return {
    name: strategy.name,
    pick: strategy.pick,
    explain(candidates, req) {
      const bound = loadBound(candidates, slack);
      return candidates.map((e) => ({
        id: e.id,
        cost: prefillCost(e, req),
        cachedTokens: cachedOn(e, req),
        queuedPrefillTokens: e.load.queuedPrefillTokens(),
        kvBlocksUsed: e.load.kvBlocksUsed(),
        inFlight: e.load.inFlight(),
        excluded: e.load.isBusy() || e.load.inFlight() >= bound,
      }));
    },
  };
}
