/**
 * N gateway processes over one fleet, for the cluster scenarios: each `spillway serve` from the same config,
 * with `spillway.cluster` pointing at one Redis (shared) or without it (unshared, the comparison run).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { accountingFigures } from '../harness/accounting.ts';
import { SIM_MODEL } from '../harness/fleet.ts';
import { metricSum } from '../harness/metric-sum.ts';
import type { Proc } from '../harness/procs.ts';
import type { ScenarioContext } from '../harness/scenario.ts';

export interface Upstream {
  group: string;
  model: string;
  apiBase: string;
  id: string;
  rpm?: number;
  /** Extra YAML lines under the deployment (four-space indented). */
  extra?: string;
}

export interface FleetConfig {
  upstreams: readonly Upstream[];
  routing: string;
  /** Extra YAML lines under `spillway:` (two-space indented). */
  spillway?: string;
}

export interface StartOptions {
  name: string;
  count: number;
  /** Shared through this Redis; undefined: each instance alone. */
  redisUrl?: string;
  /** `--workers` of each gateway. */
  workers?: number;
  cpu?: number;
}

/** A fleet of simulated engines (harness startFleet), one group, each scraped every 100 ms. */
export function engineFleet(engines: readonly Proc[], routing: string, spillway?: string): FleetConfig {
  return {
    routing,
    ...(spillway && { spillway }),
    upstreams: engines.map((e, i) => ({
      group: SIM_MODEL,
      model: `hosted_vllm/${SIM_MODEL}`,
      apiBase: `${e.url}/v1`,
      id: `engine-${i}`,
      extra: '    spillway: { load: { kind: vllm, interval_ms: 100 } }',
    })),
  };
}

export function gatewayYaml(f: FleetConfig, redisUrl: string | undefined, keyPrefix: string): string {
  const deployments = f.upstreams.map(
    (u) =>
      `  - model_name: ${u.group}\n    litellm_params:\n      model: ${u.model}\n      api_base: ${u.apiBase}\n` +
      `      api_key: fake-key\n${u.rpm ? `      rpm: ${u.rpm}\n` : ''}` +
      `    model_info:\n      id: ${u.id}\n${u.extra ? u.extra.replace(/\n?$/, '\n') : ''}`,
  );
  const cluster = redisUrl ? `  cluster:\n    redis_url: ${redisUrl}\n    key_prefix: ${keyPrefix}\n` : '';
  return `model_list:\n${deployments.join('')}router_settings:\n  routing_strategy: ${f.routing}\n  num_retries: 0
spillway:\n  log_level: warn\n  connections: 1024\n${cluster}${f.spillway ?? ''}`;
}

export async function startGateways(ctx: ScenarioContext, f: FleetConfig, o: StartOptions): Promise<Proc[]> {
  // A fresh key prefix per run: no counts left in Redis from an earlier run of the same minute.
  const prefix = `bench-${o.name}-${Date.now().toString(36)}`;
  const file = path.join(ctx.outDir, `${o.name}-gateway.yaml`);
  await writeFile(file, gatewayYaml(f, o.redisUrl, prefix));
  const args = ['--config', file, ...(o.workers ? ['--workers', String(o.workers)] : [])];
  const procs: Proc[] = [];
  for (let i = 0; i < o.count; i++) procs.push(await ctx.procs.spillway(`${o.name}-gw-${i}`, 'serve', args, o.cpu));
  if (o.redisUrl) await Promise.all(procs.map((p) => untilMetric(p, (t) => sharing(t, o.count), 10_000)));
  return procs;
}

export async function scrape(p: Proc): Promise<string> {
  return (await fetch(`${p.url}/metrics`)).text();
}

/** The instance shares through Redis and counts `count` live instances. */
function sharing(text: string, count: number): boolean {
  return (
    metricSum(text, 'spillway_cluster_state', ['state="shared"']) === 1 &&
    metricSum(text, 'spillway_cluster_instances') === count
  );
}

/** Polls the gateway's metrics until `ok` holds (a process's state seen from outside has no event to wait on). */
export async function untilMetric(p: Proc, ok: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await scrape(p);
    if (ok(text)) return text;
    if (Date.now() > deadline) throw new Error(`${p.name}: metrics never reached the expected state`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Σ over the gateways of what is left in flight; 0 when accounting returned to zero within `timeoutMs`. */
export async function leftInFlight(gateways: readonly Proc[], timeoutMs = 5000): Promise<number> {
  const left = (t: string) => Object.values(accountingFigures(t)).reduce((a, v) => a + v, 0);
  let total = 0;
  for (const g of gateways) {
    try {
      await untilMetric(g, (t) => left(t) === 0, timeoutMs);
    } catch {
      total += left(await scrape(g));
    }
  }
  return total;
}

/** Σ of a counter by deployment label over the gateways: `{ id: n }`. */
export async function byDeployment(gateways: readonly Proc[], name: string, ids: readonly string[]) {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = 0;
  for (const g of gateways) {
    const text = await scrape(g);
    for (const id of ids) out[id] += metricSum(text, name, [`deployment="${id}"`]);
  }
  return out;
}
