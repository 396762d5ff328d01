/**
 * Watches a running gateway from outside for bench/backpressure.ts: samples GET /admin/backpressure every 100 ms
 * (router queue, admitted in flight, engine slots; a cheap JSON snapshot, where rendering /metrics that often
 * would itself stall the gateway for 5-35 ms a time), times /health/liveness every 50 ms, and reads the
 * accounting figures, refusals and the refusal-time histogram from /metrics between runs.
 */
import { metricSum } from '../src/bench/harness/metric-sum.ts';

export interface Sample {
  /** Epoch ms. */
  t: number;
  queued: number;
  inFlight: number;
  engineInFlight: number;
}

type Buckets = Map<number, number>;
interface Snapshot {
  state: { in_flight: number; groups: Record<string, { queued: number; engines: { in_flight: number }[] }> };
}

export class GatewayProbe {
  private readonly url: string;
  private readonly adminKey: string | undefined;
  private readonly samples: Sample[] = [];
  private readonly health: number[] = [];
  private healthFailed = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(url: string, adminKey?: string) {
    this.url = url;
    this.adminKey = adminKey;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  /** Starts sampling: the queue and in-flight (needs the admin key) and health-check latency. */
  start(): void {
    this.timers.push(
      setInterval(() => {
        if (this.adminKey === undefined) return;
        const t = Date.now();
        fetch(`${this.url}/admin/backpressure`, { headers: { authorization: `Bearer ${this.adminKey}` } })
          .then((r) => r.json() as Promise<Snapshot>)
          .then(
            (s) => {
              const groups = Object.values(s.state.groups);
              this.samples.push({
                t,
                queued: groups.reduce((n, g) => n + g.queued, 0),
                inFlight: s.state.in_flight,
                engineInFlight: groups.reduce((n, g) => n + g.engines.reduce((m, e) => m + e.in_flight, 0), 0),
              });
            },
            () => {},
          );
      }, 100),
      setInterval(() => {
        const t = performance.now();
        fetch(`${this.url}/health/liveness`, { signal: AbortSignal.timeout(2000) }).then(
          async (r) => {
            await r.arrayBuffer();
            if (r.status === 200) this.health.push(performance.now() - t);
            else this.healthFailed++;
          },
          () => this.healthFailed++,
        );
      }, 50),
    );
  }

  stop(): Sample[] {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    return this.samples.sort((a, b) => a.t - b.t);
  }

  healthStats(): { p99: number; max: number; failed: number } {
    const h = [...this.health].sort((a, b) => a - b);
    return {
      p99: h.length ? h[Math.min(h.length - 1, Math.floor(h.length * 0.99))] : NaN,
      max: h.length ? h[h.length - 1] : NaN,
      failed: this.healthFailed,
    };
  }

  /** Cumulative bucket counts of the gateway's refusal answer time (arrival → refusal). */
  async refusalBuckets(): Promise<Buckets> {
    const out: Buckets = new Map();
    for (const line of (await this.metrics()).split('\n')) {
      if (!line.startsWith('spillway_backpressure_decision_seconds_bucket{') || !line.includes('decision="refused"'))
        continue;
      const le = /le="([^"]+)"/.exec(line)![1];
      out.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return out;
  }

  /** The q-quantile (seconds) of what was observed between two bucket readings, interpolated in its bucket. */
  static quantile(before: Buckets, after: Buckets, q: number): number {
    const les = [...after.keys()].sort((a, b) => a - b);
    const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
    if (total <= 0) return NaN;
    let prevLe = 0;
    let prevCount = 0;
    for (const le of les) {
      const count = (after.get(le) ?? 0) - (before.get(le) ?? 0);
      if (count >= q * total) {
        if (le === Infinity) return prevLe;
        return prevLe + ((q * total - prevCount) / Math.max(1, count - prevCount)) * (le - prevLe);
      }
      prevLe = le;
      prevCount = count;
    }
    return NaN;
  }

  /** Back-pressure refusals so far by priority class → reason (the error code). */
  async refusals(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const line of (await this.metrics()).split('\n')) {
      if (!line.startsWith('spillway_backpressure_rejections_total{')) continue;
      const reason = /reason="([^"]+)"/.exec(line)![1];
      const priority = /priority="([^"]+)"/.exec(line)![1];
      const byReason = (out[priority] ??= {});
      // One series per level and model group (a precheck's is "none"): summed, not overwritten.
      byReason[reason] = (byReason[reason] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return out;
  }

  /** Polls the accounting (after a run, never during one) until every figure is 0 or `timeoutMs` passes. */
  async waitDrained(timeoutMs = 25_000): Promise<{ ok: boolean; values: Record<string, number> }> {
    const deadline = Date.now() + timeoutMs;
    let values = await this.accounting();
    while (Object.values(values).some((v) => v !== 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      values = await this.accounting();
    }
    return { ok: Object.values(values).every((v) => v === 0), values };
  }

  /** What must be back to zero once nothing is in flight. */
  async accounting(): Promise<Record<string, number>> {
    const text = await this.metrics();
    return {
      'admitted in flight': metricSum(text, 'spillway_backpressure_in_flight'),
      queued: metricSum(text, 'spillway_router_queue_depth'),
      'deployment in-flight': metricSum(text, 'spillway_deployment_in_flight'),
      'predicted KV blocks (admission)':
        Math.round(metricSum(text, 'spillway_backpressure_kv_blocks', ['kind="in_flight"']) * 1000) / 1000,
      'predicted KV blocks (load model)':
        Math.round(metricSum(text, 'spillway_engine_kv_blocks', ['source="predicted"']) * 1000) / 1000,
    };
  }
}
