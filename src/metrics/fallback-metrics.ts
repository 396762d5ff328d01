import { Counter, type Registry } from 'prom-client';

/**
 * Fallbacks and spillover (src/pipeline/diversion.ts). Registered whether or not the config has fallbacks, so
 * the metric names are the same on every gateway.
 */
export class FallbackMetrics {
  readonly spills: Counter<'model_group' | 'to' | 'gate'>;
  readonly fallbacks: Counter<'model_group' | 'to' | 'kind'>;

  constructor(registry: Registry) {
    this.spills = new Counter({
      name: 'spillway_spills_total',
      help: "Requests back pressure would have refused, sent to the group's fallback instead, by gate.",
      labelNames: ['model_group', 'to', 'gate'],
      registers: [registry],
    });
    this.fallbacks = new Counter({
      name: 'spillway_fallbacks_total',
      help: 'Requests sent on to a fallback group after their group failed them, by why.',
      labelNames: ['model_group', 'to', 'kind'],
      registers: [registry],
    });
  }
}
