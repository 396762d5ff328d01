/**
 * `spillway.tracing` (OpenTelemetry, opt-in) and `spillway.stream_usage` (when a stream is asked for its usage).
 * ./schema.ts mounts the shape; ./normalize.ts calls normalizeObservability. The standard OTEL_* variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, ...)
 * apply where a key is unset: the SDK reads them (src/pipeline/tracing/otel-tracing.ts).
 */
import * as z from 'zod';
import { boolean, numeric, section } from './coerce.ts';

export const tracingShape = {
  enabled: boolean().default(false),
  /** OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces; unset: the OTEL_* variables, else localhost. */
  endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  /** Unset: OTEL_SERVICE_NAME, else `spillway`. */
  service_name: z.string().min(1).optional(),
  /** Share of new traces recorded (a continued trace follows its parent's choice); unset: OTEL_TRACES_SAMPLER. */
  sample_ratio: numeric(z.number().min(0).max(1)).optional(),
};

/**
 * `needed`: a stream is asked for its usage when something counts it (a tenant, a deployment of its group with a
 * tpm limit); `always`: every stream, so the token counters see every streamed completion too.
 */
export const STREAM_USAGE = ['needed', 'always'] as const;

/** Spread into spillway's shape. */
export const observabilityShape = {
  tracing: section(tracingShape),
  stream_usage: z.enum(STREAM_USAGE).default('needed'),
};

export interface TracingConfig {
  endpoint?: string;
  serviceName?: string;
  sampleRatio?: number;
}

export interface ObservabilityConfig {
  /** Undefined: tracing off (the default). */
  tracing?: TracingConfig;
  streamUsage: (typeof STREAM_USAGE)[number];
}

type File = z.output<z.ZodObject<typeof observabilityShape>>;

export function normalizeObservability(sw: File): ObservabilityConfig {
  const t = sw.tracing;
  const tracing: TracingConfig | undefined = t.enabled
    ? {
        ...(t.endpoint !== undefined && { endpoint: t.endpoint }),
        ...(t.service_name !== undefined && { serviceName: t.service_name }),
        ...(t.sample_ratio !== undefined && { sampleRatio: t.sample_ratio }),
      }
    : undefined;
  return { ...(tracing !== undefined && { tracing }), streamUsage: sw.stream_usage };
}
