/** Whether tracing is on is decided here, once, when the gateway is built: OpenTelemetry, or NO_TRACING. */
import type { TracingConfig } from '../../config/observability.ts';
import { OtelTracing } from './otel-tracing.ts';
import { NO_TRACING, type RequestTracing } from './tracing.ts';

export function requestTracing(c: TracingConfig | undefined): RequestTracing {
  return c === undefined ? NO_TRACING : new OtelTracing(c);
}
