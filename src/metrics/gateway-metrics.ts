import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { INTERNAL_STAGES } from '../outcome/internal-error.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { Ref } from '../util/ref.ts';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** A client listener's connection counts (the ingress's ConnectionStats), read at scrape time. */
export interface ConnectionCounts {
  readonly open: number;
  readonly refused: number;
  readonly headTimeouts: number;
  readonly requestTimeouts: number;
  readonly clientErrors: number;
}

/**
 * The gateway's Prometheus metrics. Gauges of live state (in-flight, deployment state) are read from the
 * deployments when scraped, so the request path never touches them. API keys never appear in labels.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'model_group' | 'deployment' | 'status'>;
  readonly duration: Histogram<'model_group'>;
  readonly ttft: Histogram<'model_group' | 'deployment'>;
  readonly overhead: Histogram;
  readonly deploymentFailures: Counter<'model_group' | 'deployment' | 'status'>;
  readonly cooledDown: Counter<'model_group' | 'deployment' | 'reason'>;
  readonly retries: Counter<'model_group'>;
  readonly internalErrors: Counter<'stage'>;

  /** `listeners`: each client listener's connection counts, by name (`public`, `ops`). */
  constructor(groups: Ref<readonly ModelGroup[]>, listeners: ReadonlyMap<string, ConnectionCounts> = new Map()) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'spillway_requests_total',
      help: 'Requests answered, by model group, final deployment ("none" if never dispatched) and HTTP status.',
      labelNames: ['model_group', 'deployment', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'spillway_request_duration_seconds',
      help: 'Total time from request arrival to the last byte of the response.',
      labelNames: ['model_group'],
      buckets: latencyBuckets,
      registers,
    });
    this.ttft = new Histogram({
      name: 'spillway_time_to_first_token_seconds',
      help: 'Streaming requests: time from arrival to the first body chunk relayed to the client.',
      labelNames: ['model_group', 'deployment'],
      buckets: latencyBuckets,
      registers,
    });
    this.overhead = new Histogram({
      name: 'spillway_overhead_seconds',
      help: 'Time spent inside the gateway per request (excludes time waiting on upstreams).',
      buckets: overheadBuckets,
      registers,
    });
    this.deploymentFailures = new Counter({
      name: 'spillway_deployment_failure_responses_total',
      help:
        'Failed upstream attempts by deployment and status (HTTP status, ' +
        '"connect_error", "timeout", "empty_stream", "broken_stream").',
      labelNames: ['model_group', 'deployment', 'status'],
      registers,
    });
    this.cooledDown = new Counter({
      name: 'spillway_deployment_cooled_down_total',
      help:
        'Cooldowns begun, by the failure that began them (HTTP ' +
        'status, "connect_error", "timeout", "broken_stream").',
      labelNames: ['model_group', 'deployment', 'reason'],
      registers,
    });
    this.retries = new Counter({
      name: 'spillway_retries_total',
      help: 'Upstream attempts retried on another (or the same) deployment.',
      labelNames: ['model_group'],
      registers,
    });
    this.internalErrors = new Counter({
      name: 'spillway_internal_errors_total',
      help:
        "Exceptions in the gateway's own code, caught where they happened: the request " +
        'ended with 500 internal_error (or a cut stream), the process carried on.',
      labelNames: ['stage'],
      registers,
    });
    // Every stage from the start, so an alert on the rate needs no absent-series handling.
    for (const stage of INTERNAL_STAGES) this.internalErrors.inc({ stage }, 0);
    // Read at each scrape: a config reload replaces the groups (src/reload).
    const all = (): Deployment[] => groups.current.flatMap((g) => [...g.deployments]);
    new Gauge({
      name: 'spillway_deployment_in_flight',
      help: 'Requests dispatched to a deployment and not yet finished.',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        this.reset();
        for (const d of all()) this.set({ model_group: d.config.group, deployment: d.id }, d.inFlight);
      },
    });
    new Gauge({
      name: 'spillway_deployment_failure_rate',
      help:
        "Failed share of a deployment's attempts over " +
        'spillway.cooldown.window_ms (cleared when a cooldown begins).',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        this.reset();
        const now = performance.now();
        for (const d of all()) this.set({ model_group: d.config.group, deployment: d.id }, d.outcomes.failureRate(now));
      },
    });
    new Gauge({
      name: 'spillway_deployment_cooldown_remaining_seconds',
      help: 'Time until a cooling deployment is back in rotation; 0 when it is in rotation.',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        this.reset();
        for (const d of all())
          this.set({ model_group: d.config.group, deployment: d.id }, d.cooldownRemainingMs() / 1000);
      },
    });
    new Counter({
      name: 'spillway_deployment_ejections_prevented_total',
      help: 'Cooldowns the policy asked for that spillway.cooldown.max_ejection_percent prevented.',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        this.reset();
        for (const d of all()) this.inc({ model_group: d.config.group, deployment: d.id }, d.ejectionsPrevented);
      },
    });
    new Counter({
      name: 'spillway_panic_routed_total',
      help:
        'Requests routed to a cooling deployment because no ' +
        'deployment of the group was in rotation (panic routing).',
      labelNames: ['model_group'],
      registers,
      collect() {
        this.reset();
        for (const g of groups.current) this.inc({ model_group: g.name }, g.panicRoutes);
      },
    });
    new Gauge({
      name: 'spillway_client_connections',
      help: 'Client connections open, by listener (public, ops).',
      labelNames: ['listener'],
      registers,
      collect() {
        for (const [listener, c] of listeners) this.set({ listener }, c.open);
      },
    });
    new Counter({
      name: 'spillway_client_connections_closed_total',
      help:
        'Client connections the gateway closed on its own, by listener and reason: max_connections (closed at ' +
        'accept), header_timeout (no complete request head in time, answered 408), request_timeout (a body short of ' +
        "its length in time, answered 408) or client_error (input Node's HTTP parser refused, answered 400/431).",
      labelNames: ['listener', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const [listener, c] of listeners) {
          this.inc({ listener, reason: 'max_connections' }, c.refused);
          this.inc({ listener, reason: 'header_timeout' }, c.headTimeouts);
          this.inc({ listener, reason: 'request_timeout' }, c.requestTimeouts);
          this.inc({ listener, reason: 'client_error' }, c.clientErrors);
        }
      },
    });
    new Gauge({
      name: 'spillway_deployment_state',
      help: 'Deployment state: 0 healthy, 1 at its rpm/tpm/parallel limit, 2 cooling down.',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        this.reset();
        for (const d of all()) this.set({ model_group: d.config.group, deployment: d.id }, d.state());
      },
    });
  }
}
