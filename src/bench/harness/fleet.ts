/**
 * A fleet of simulated engines for the overload and prefix scenarios, each its own `spillway engine` process,
 * and the Spillway config that fronts them. Engine settings are data (the simulator's EngineOptions), turned
 * into the CLI's flags.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineOptions } from '../../sim/options.ts';
import { metricSum } from './metric-sum.ts';
import type { Proc } from './procs.ts';
import type { ScenarioContext } from './scenario.ts';

export const SIM_MODEL = 'sim-llama';

export type EngineSettings = Omit<EngineOptions, 'host' | 'port' | 'profile' | 'frontEnd'> & { profile?: string };

/** `{ maxNumSeqs: 16, speedup: 0.5 }` → `--max-num-seqs 16 --speedup 0.5`. */
export function engineFlags(o: EngineSettings): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v === undefined ? [] : [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)],
  );
}

export async function startFleet(
  ctx: ScenarioContext,
  count: number,
  settings: EngineSettings,
  cpu?: number,
): Promise<Proc[]> {
  const engines: Proc[] = [];
  for (let i = 0; i < count; i++) {
    const o: EngineSettings = { model: SIM_MODEL, seed: i, ...settings };
    engines.push(await ctx.procs.spillway(`engine-${i}`, 'engine', engineFlags(o), cpu));
  }
  return engines;
}

export interface GatewayVariant {
  routing: string;
  /** Extra YAML lines under `spillway:` (two-space indented), e.g. a back-pressure section. */
  spillway?: string;
  /** Extra YAML lines under each deployment (four-space indented), e.g. `spillway: { load: { kind: push } }`. */
  deployment?: string;
}

export async function startGatewayFor(
  ctx: ScenarioContext,
  name: string,
  engines: Proc[],
  v: GatewayVariant,
  cpu?: number,
): Promise<Proc> {
  const file = await writeGatewayConfig(ctx, name, engines, v);
  return ctx.procs.spillway('spillway', 'serve', ['--config', file], cpu);
}

/** Writes the config that fronts `engines` with variant `v` to the run's folder; returns its path. */
export async function writeGatewayConfig(
  ctx: ScenarioContext,
  name: string,
  engines: Proc[],
  v: GatewayVariant,
): Promise<string> {
  const yaml = `# Written by bench/${name}: Spillway in front of ${engines.length} simulated engines.
model_list:
${engines
  .map(
    (e, i) => `  - model_name: ${SIM_MODEL}
    litellm_params:
      model: hosted_vllm/${SIM_MODEL}
      api_base: ${e.url}/v1
    model_info:
      id: engine-${i}
${v.deployment ? v.deployment.replace(/\n?$/, '\n') : ''}`,
  )
  .join('')}router_settings:
  routing_strategy: ${v.routing}
  num_retries: 0
spillway:
  log_level: warn
  connections: 1024
${v.spillway ?? ''}`;
  const file = path.join(ctx.outDir, `${name}-gateway.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** vLLM's prefix-cache counters summed over the fleet: queried and hit tokens. */
export async function prefixCounters(engines: Proc[]): Promise<{ queries: number; hits: number }> {
  let queries = 0;
  let hits = 0;
  for (const e of engines) {
    const text = await (await fetch(`${e.url}/metrics`)).text();
    queries += metricSum(text, 'vllm:prefix_cache_queries_total');
    hits += metricSum(text, 'vllm:prefix_cache_hits_total');
  }
  return { queries, hits };
}
