/**
 * What tracing sees of a request, as one value chosen when the gateway is built (./tracing-build.ts): with
 * tracing off, NO_TRACING, whose hooks do nothing, so no stage asks per request whether tracing is on.
 *
 * Either way every attempt carries the request's id (`x-request-id`) to the engine, and a trace context: with
 * tracing on, the attempt's own span (continuing the client's `traceparent`, or a new trace); off, the client's
 * `traceparent` as it came, if it sent one.
 */
import type { Outcome } from '../../outcome/outcomes.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { Exchange, ExchangeEnd } from '../../upstream/exchange.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { RequestContext } from '../request-context.ts';

export interface RequestTracing {
  /** The ingress handed the request to the pipeline: its span begins at arrival. */
  begin(pr: ProxyRequest): void;
  /** The tenant gate and admission decided (`refused`: they said no). */
  admitted(pr: ProxyRequest, refused: boolean): void;
  /** An attempt starts on `d`: the headers to send it with (`base`: the deployment's fixed headers). */
  attempt(pr: ProxyRequest, d: Deployment, base: Readonly<Record<string, string>>): Record<string, string>;
  /** The attempt `x` ended, as `end`. */
  attemptEnded(pr: ProxyRequest, x: Exchange, end: ExchangeEnd): void;
  /** The request's one outcome (src/pipeline/request-end.ts). */
  finished(pr: ProxyRequest, outcome: Outcome, status: number): void;
  /** Sends what is still buffered; at gateway shutdown. */
  shutdown(): Promise<void>;
}

/** The headers of an attempt without a span of its own: the request's id, and the client's trace context. */
export function passThroughHeaders(
  ctx: RequestContext,
  base: Readonly<Record<string, string>>,
): Record<string, string> {
  const tp = ctx.traceparent;
  return tp === undefined ? { ...base, 'x-request-id': ctx.id } : { ...base, 'x-request-id': ctx.id, traceparent: tp };
}

export const NO_TRACING: RequestTracing = {
  begin() {},
  admitted() {},
  attempt: (pr, _d, base) => passThroughHeaders(pr.ctx, base),
  attemptEnded() {},
  finished() {},
  shutdown: () => Promise.resolve(),
};
