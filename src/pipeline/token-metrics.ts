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
  private readonly tokens = new Map<Deployment, DeploymentTokens>();
  private readonly itl = new Map<string, Histogram.Internal<'model_group'>>();
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
    for (const g of groups) {
      this.itl.set(g.name, itl.labels({ model_group: g.name }));
      for (const d of g.deployments) {
        const labels = { model_group: g.name, deployment: d.id };
        this.tokens.set(d, {
          prompt: tokens.labels({ ...labels, kind: 'prompt' }),
          completion: tokens.labels({ ...labels, kind: 'completion' }),
        });
      }
    }
  }

  completed(pr: ProxyRequest, x: Exchange, nowMs: number): void {
    const u = readResponseUsage(pr, this.usage);
    const t = this.tokens.get(x.deployment);
    if (t !== undefined) {
      t.prompt.inc(u.prompt);
      t.completion.inc(u.completion);
    }
    if (pr.sse && u.reported && u.completion > 1 && x.firstChunkMs > 0)
      this.itl.get(pr.ctx.group)?.observe((nowMs - x.firstChunkMs) / 1000 / (u.completion - 1));
  }
}
