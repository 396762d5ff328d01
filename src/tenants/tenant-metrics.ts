/**
 * Usage per tenant in Prometheus, with bounded cardinality: the first `maxLabels` tenant labels (key alias, team
 * alias, or `key:<8 hex>`; never a key) seen by this instance get their own series, every later one is counted
 * under `other`. Registered always, so the metric list does not depend on the config (test/metrics-doc.test.ts).
 * Each label's counter children are looked up once, so a request increments without building a label set.
 */
import { Counter, type Registry } from 'prom-client';

export const OTHER_TENANTS = 'other';
export const DEFAULT_MAX_TENANT_LABELS = 100;

type Child = ReturnType<Counter<'tenant'>['labels']>;

/** One tenant label's series. */
export interface TenantLabel {
  readonly name: string;
  readonly requests: Child;
  readonly promptTokens: Child;
  readonly completionTokens: Child;
  readonly spend: Child;
}

export class TenantMetrics {
  private readonly requests: Counter<'tenant'>;
  private readonly promptTokens: Counter<'tenant'>;
  private readonly completionTokens: Counter<'tenant'>;
  private readonly spend: Counter<'tenant'>;
  private readonly refusals: Counter<'tenant' | 'code'>;
  private readonly labels = new Map<string, TenantLabel>();
  private readonly maxLabels: number;
  private other: TenantLabel | undefined = undefined;

  constructor(registry: Registry, maxLabels = DEFAULT_MAX_TENANT_LABELS) {
    const registers = [registry];
    const labelNames = ['tenant'] as const;
    this.maxLabels = maxLabels;
    this.requests = new Counter({
      name: 'spillway_tenant_requests_total',
      help: 'Requests of API keys with a tenant, by tenant label (the first N seen; the rest "other").',
      labelNames,
      registers,
    });
    this.promptTokens = new Counter({
      name: 'spillway_tenant_prompt_tokens_total',
      help: "Prompt tokens of tenants' completed responses (the upstream's usage).",
      labelNames,
      registers,
    });
    this.completionTokens = new Counter({
      name: 'spillway_tenant_completion_tokens_total',
      help: "Completion tokens of tenants' completed responses (the upstream's usage).",
      labelNames,
      registers,
    });
    this.spend = new Counter({
      name: 'spillway_tenant_spend_total',
      help: 'Spend of tenants, priced from model_info input/output_cost_per_token of the deployment that answered.',
      labelNames,
      registers,
    });
    this.refusals = new Counter({
      name: 'spillway_tenant_refusals_total',
      help: "Tenants' requests that did not get an upstream answer, by tenant label and error code.",
      labelNames: ['tenant', 'code'],
      registers,
    });
  }

  /** The series of tenant label `name`: its own while fewer than maxLabels are taken, else `other`. */
  label(name: string): TenantLabel {
    const known = this.labels.get(name);
    if (known !== undefined) return known;
    if (this.labels.size >= this.maxLabels) {
      this.other ??= this.make(OTHER_TENANTS);
      return this.other;
    }
    const made = this.make(name);
    this.labels.set(name, made);
    return made;
  }

  /** A refusal is rare next to a request: its label set is built when it happens. */
  refused(label: TenantLabel, code: string): void {
    this.refusals.inc({ tenant: label.name, code });
  }

  private make(name: string): TenantLabel {
    const tenant = { tenant: name };
    return {
      name,
      requests: this.requests.labels(tenant),
      promptTokens: this.promptTokens.labels(tenant),
      completionTokens: this.completionTokens.labels(tenant),
      spend: this.spend.labels(tenant),
    };
  }
}
