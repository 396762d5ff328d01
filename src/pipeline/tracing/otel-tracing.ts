/**
 * Tracing with OpenTelemetry: per request a SERVER span from arrival to its outcome, with a child per stage
 * (`ingress`: arrival → pipeline, `admission`: tenant gate and back pressure's admission, `router`: routing
 * and the router queue's wait before each attempt) and a CLIENT span per attempt (deployment, status, how it
 * ended), whose context goes to the engine as `traceparent`. A client's `traceparent` is continued; without
 * one a new trace begins. Spans are batched and sent by OTLP/HTTP (JSON).
 *
 * Only built when `spillway.tracing.enabled`; the pipeline holds NO_TRACING otherwise (./tracing.ts).
 */
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../../config/observability.ts';
import type { Outcome } from '../../outcome/outcomes.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { Exchange, ExchangeEnd } from '../../upstream/exchange.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { RequestTracing } from './tracing.ts';

/** A request's spans (ProxyRequest.trace). */
class RequestTrace {
  readonly root: Span;
  /** The root span as the parent of the stages and attempts. */
  readonly context: Context;
  /** performance.now() when the stage in progress began. */
  mark: number;
  attempt: Span | undefined = undefined;

  constructor(root: Span, context: Context, mark: number) {
    this.root = root;
    this.context = context;
    this.mark = mark;
  }
}

const propagator = new W3CTraceContextPropagator();

/** performance.now() → epoch milliseconds, as spans take their times. */
const epoch = (ms: number) => performance.timeOrigin + ms;

export class OtelTracing implements RequestTracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;

  constructor(c: TracingConfig, env: NodeJS.ProcessEnv = process.env) {
    const exporter = new OTLPTraceExporter(c.endpoint === undefined ? {} : { url: c.endpoint });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': c.serviceName ?? env.OTEL_SERVICE_NAME ?? 'spillway' }),
      // Unset: the SDK's OTEL_TRACES_SAMPLER (default: follow the parent, record every new trace).
      ...(c.sampleRatio !== undefined && {
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(c.sampleRatio) }),
      }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    this.tracer = this.provider.getTracer('spillway');
  }

  begin(pr: ProxyRequest): void {
    const ctx = pr.ctx;
    const parent =
      ctx.traceparent === undefined
        ? ROOT_CONTEXT
        : propagator.extract(ROOT_CONTEXT, { traceparent: ctx.traceparent }, defaultTextMapGetter);
    const root = this.tracer.startSpan(
      'request',
      {
        kind: SpanKind.SERVER,
        startTime: epoch(ctx.arrivalMs),
        attributes: {
          'spillway.request_id': ctx.id,
          'spillway.model_group': ctx.group,
          'spillway.endpoint': ctx.endpoint,
          'spillway.priority': ctx.priority,
          'spillway.stream': ctx.stream,
        },
      },
      parent,
    );
    const now = performance.now();
    const t = new RequestTrace(root, trace.setSpan(ROOT_CONTEXT, root), now);
    pr.trace = t;
    this.stage(t, 'ingress', ctx.arrivalMs, now);
  }

  admitted(pr: ProxyRequest, refused: boolean): void {
    const t = pr.trace as RequestTrace;
    const now = performance.now();
    this.stage(t, 'admission', t.mark, now).setAttribute('spillway.refused', refused);
    t.mark = now;
  }

  attempt(pr: ProxyRequest, d: Deployment, base: Readonly<Record<string, string>>): Record<string, string> {
    const t = pr.trace as RequestTrace;
    const now = performance.now();
    this.stage(t, 'router', t.mark, now);
    const span = this.tracer.startSpan(
      'attempt',
      {
        kind: SpanKind.CLIENT,
        startTime: epoch(now),
        attributes: { 'spillway.deployment': d.id, 'spillway.attempt': pr.attempts },
      },
      t.context,
    );
    t.attempt = span;
    const headers = { ...base, 'x-request-id': pr.ctx.id };
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return headers;
  }

  attemptEnded(pr: ProxyRequest, x: Exchange, end: ExchangeEnd): void {
    const t = pr.trace as RequestTrace;
    const span = t.attempt;
    if (span === undefined) return;
    t.attempt = undefined;
    const now = performance.now();
    span.setAttribute('spillway.attempt.end', end);
    if (x.status > 0) span.setAttribute('http.response.status_code', x.status);
    if (end !== 'complete') span.setStatus({ code: SpanStatusCode.ERROR, message: end });
    span.end(epoch(now));
    t.mark = now;
  }

  finished(pr: ProxyRequest, outcome: Outcome, status: number): void {
    const t = pr.trace as RequestTrace | undefined;
    // A request refused before its trace began (none yet) has nothing to end.
    if (t === undefined) return;
    const root = t.root;
    root.setAttribute('spillway.outcome', outcome);
    root.setAttribute('http.response.status_code', status);
    root.setAttribute('spillway.attempts', pr.attempts);
    if (pr.lastAttempt !== undefined) root.setAttribute('spillway.deployment', pr.lastAttempt.deployment.id);
    if (status >= 500) root.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    root.end(epoch(performance.now()));
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  private stage(t: RequestTrace, name: string, startMs: number, endMs: number): Span {
    const span = this.tracer.startSpan(name, { startTime: epoch(startMs) }, t.context);
    span.end(epoch(endMs));
    return span;
  }
}
