/**
 * What the fleet's load model (src/load) must do for a configuration, decided once at start:
 *
 *   fleet      keep it at all: a load-aware strategy routes on it, back pressure judges engines on it, or an
 *              engine reports its load (reconciled load and its gauges).
 *   prefixes   hash each prompt's blocks and keep the prefix index (src/prefix): only where something reads
 *              what that yields, i.e. a load-aware strategy (kv-aware's and prefix-hash's cache affinity; the
 *              KV use net of cached prompts that kv-aware and least-kv compare), an engine that reports its load
 *              (its KV is reconciled against the prediction, and the hit estimate is published beside the
 *              engine's own figure), or back pressure with a KV capacity or an absolute prefill threshold
 *              to judge the predicted KV against.
 *
 * Without prefixes the prompt is still rendered and its tokens estimated (and calibrated) exactly as before; only
 * its cache share is taken as 0, i.e. the whole prompt counts as work, which nothing then compares with a
 * capacity (a prefill threshold set later through /admin/backpressure then judges whole prompts: an upper bound
 * of the work). On the seed's 16 KB prompt with a fresh uuid per request, hashing and storing its 64 blocks was the
 * largest single cost of turning back pressure on (docs/BENCHMARKS.md, "Gateway overhead").
 */
import type { GatewayConfig } from '../config/types.ts';

export interface LoadNeeds {
  fleet: boolean;
  prefixes: boolean;
}

export function loadNeeds(
  config: Pick<GatewayConfig, 'deployments' | 'backpressure'>,
  strategyLoadAware: boolean,
): LoadNeeds {
  const reports = config.deployments.some((d) => d.load !== undefined && d.load.kind !== 'none');
  const bp = config.backpressure;
  const kvJudged =
    bp !== undefined &&
    (bp.ingress.kvCapacityBlocks > 0 ||
      bp.router.prefillBusyTokens !== undefined ||
      config.deployments.some((d) => d.load?.totalBlocks !== undefined));
  return {
    fleet: strategyLoadAware || bp !== undefined || reports,
    prefixes: strategyLoadAware || reports || kvJudged,
  };
}
