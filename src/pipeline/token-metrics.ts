/**
 * Tokens per group and deployment (`spillway_tokens_total`, prompt and completion) and the inter-token latency
 * of streams per group (`spillway_inter_token_latency_seconds`), counted once per whole 2xx response. The
 * labelled children are made when the gateway is built, so a response costs two Map reads, not a label hash.
 * TTFT per group and deployment is GatewayMetrics' `spillway_time_to_first_token_seconds`.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Deployment } from '../routing/deployment.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { Exchange } from '../upstream/exchange.ts';
import type { ProxyRequest } from './proxy-request.ts';
import { readResponseUsage, type TokenUsage } from './response-usage.ts';

/** Seconds between tokens: engines stream at ~5-100 ms a token; past a second a stream has stalled. */
const itlBuckets = [0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1];

interface DeploymentTokens {
  readonly prompt: Counter.Internal;
  readonly completion: Counter.Internal;
}

export interface TokenCounter {
  /** `x` ended with the whole 2xx response of `pr`, at `nowMs` (performance.now()). */
  completed(pr: ProxyRequest, x: Exchange, nowMs: number): void;
}

export const NO_TOKEN_COUNT: TokenCounter = { completed() {} };

export class TokenMetrics implements TokenCounter {
  // Weak: a reload replaces deployments (src/reload); a new one gets its children on its first response.
  private readonly tokens = new WeakMap<Deployment, DeploymentTokens>();
  private readonly itl = new Map<string, Histogram.Internal<'model_group'>>();
  private readonly tokenCounter: Counter<'model_group' | 'deployment' | 'kind'>;
  private readonly itlHistogram: Histogram<'model_group'>;
  private readonly usage: TokenUsage = { prompt: 0, completion: 0, reported: false };

  constructor(registry: Registry, groups: readonly ModelGroup[]) {
    const registers = [registry];
    const tokens = new Counter({
      name: 'spillway_tokens_total',
      help:
        "Tokens of whole 2xx responses by deployment and kind (prompt, completion), from the upstream's usage; " +
        'without one, the prompt is estimated (body bytes / 4) and the completion not counted.',
      labelNames: ['model_group', 'deployment', 'kind'],
      registers,
    });
    const itl = new Histogram({
      name: 'spillway_inter_token_latency_seconds',
      help:
        'Streams: mean time between tokens, (last chunk - first chunk) / (completion tokens - 1), ' +
        "by the upstream's usage.",
      labelNames: ['model_group'],
      buckets: itlBuckets,
      registers,
    });
    this.tokenCounter = tokens;
    this.itlHistogram = itl;
    // The groups at start show their series at 0 before their first response.
    for (const g of groups) {
      this.itlOf(g.name);
      for (const d of g.deployments) this.tokensOf(d);
    }
  }

  private tokensOf(d: Deployment): DeploymentTokens {
    let t = this.tokens.get(d);
    if (t === undefined) {
      const labels = { model_group: d.config.group, deployment: d.id };
      t = {
        prompt: this.tokenCounter.labels({ ...labels, kind: 'prompt' }),
        completion: this.tokenCounter.labels({ ...labels, kind: 'completion' }),
      };
      this.tokens.set(d, t);
    }
    return t;
  }

  private itlOf(group: string): Histogram.Internal<'model_group'> {
    let h = this.itl.get(group);
    if (h === undefined) {
      h = this.itlHistogram.labels({ model_group: group });
      this.itl.set(group, h);
    }
    return h;
  }

  completed(pr: ProxyRequest, x: Exchange, nowMs: number): void {
    const u = readResponseUsage(pr, this.usage);
    const t = this.tokensOf(x.deployment);
    t.prompt.inc(u.prompt);
    t.completion.inc(u.completion);
    if (pr.sse && u.reported && u.completion > 1 && x.firstChunkMs > 0)
      this.itlOf(pr.ctx.group).observe((nowMs - x.firstChunkMs) / 1000 / (u.completion - 1));
  }
}
