/**
 * The chaos soak's fleet: two model groups behind one gateway.
 *   chaos-sim   simulated engines (`spillway engine`), each its own process so one can be kill -9'd and
 *               restarted on the same port;
 *   chaos-mock  mock upstreams in this process, whose faults are switched at run time (MockHandle.setFault).
 * Both groups name an upstream model other than the group's, so the gateway rewrites the model in every body
 * (the path the escaped and duplicated "model" keys of the bad requests go down).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type MockHandle, startMock } from '../../mock/server.ts';
import { freePort, type Proc, type ProcGroup } from '../harness/procs.ts';

export const SIM_GROUP = 'chaos-sim';
export const MOCK_GROUP = 'chaos-mock';
export const GROUPS = [SIM_GROUP, MOCK_GROUP] as const;
const SIM_MODEL = 'sim-llama';
const ENGINE_FLAGS = ['--model', SIM_MODEL, '--max-num-seqs', '64'];

export interface Sla {
  ttftMs: number;
  itlMs: number;
}

/** A simulated engine that can be killed and started again where it was. */
export class Engine {
  readonly id: string;
  readonly port: number;
  proc: Proc;
  private readonly procs: ProcGroup;
  private readonly seed: number;

  private constructor(procs: ProcGroup, id: string, port: number, seed: number, proc: Proc) {
    this.procs = procs;
    this.id = id;
    this.port = port;
    this.seed = seed;
    this.proc = proc;
  }

  static async start(procs: ProcGroup, index: number): Promise<Engine> {
    const port = await freePort();
    const id = `engine-${index}`;
    return new Engine(procs, id, port, index, await Engine.spawn(procs, id, port, index));
  }

  private static spawn(procs: ProcGroup, id: string, port: number, seed: number): Promise<Proc> {
    return procs.spillway(id, 'engine', [...ENGINE_FLAGS, '--seed', String(seed)], undefined, { port });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGKILL, then wait for the exit, so the port is free for the restart. */
  async kill(): Promise<void> {
    process.kill(this.proc.pid, 'SIGKILL');
    await this.proc.exited;
    await this.procs.stop(this.proc);
  }

  async restart(): Promise<void> {
    this.proc = await Engine.spawn(this.procs, this.id, this.port, this.seed);
  }
}

export interface ChaosFleet {
  engines: Engine[];
  mocks: MockHandle[];
  /** Deployment id of mock i, as the gateway names it (x-spillway-deployment). */
  mockIds: string[];
  close(): Promise<void>;
}

export async function startFleet(procs: ProcGroup, counts: { engines: number; mocks: number }): Promise<ChaosFleet> {
  const engines = await Promise.all(Array.from({ length: counts.engines }, (_, i) => Engine.start(procs, i)));
  const mocks = await Promise.all(
    Array.from({ length: counts.mocks }, (_, i) =>
      startMock({ latencyMs: 20, chunks: 16, chunkIntervalMs: 10, seed: i + 1, models: ['mock-upstream'] }),
    ),
  );
  return {
    engines,
    mocks,
    mockIds: mocks.map((_, i) => `mock-${i}`),
    close: async () => {
      await Promise.all(mocks.map((m) => m.close()));
    },
  };
}

export interface GatewaySettings {
  backpressure: boolean;
  sla: Sla;
  /** router_settings.stream_timeout, seconds: how long a stalled upstream holds a request before a retry. */
  firstByteTimeoutS: number;
}

/**
 * The gateway's YAML: a realistic config (retries on, LiteLLM's default cooldown, a first-byte timeout), back
 * pressure on unless asked otherwise, stating the soak's SLA as the groups' TTFT budget and ITL SLO.
 */
export function gatewayYaml(fleet: ChaosFleet, s: GatewaySettings): string {
  const deployment = (group: string, model: string, base: string, id: string) =>
    `  - model_name: ${group}\n    litellm_params:\n      model: ${model}\n      api_base: ${base}/v1\n` +
    `    model_info:\n      id: ${id}\n`;
  const backpressure = s.backpressure
    ? `  backpressure:\n    enabled: true\n    router: { ttft_budget_ms: ${s.sla.ttftMs} }\n` +
      `    engine: { itl_slo_ms: ${s.sla.itlMs} }\n`
    : '';
  return (
    `# Written by bench/chaos.ts: ${fleet.engines.length} simulated engines (${SIM_GROUP}) ` +
    `and ${fleet.mocks.length} mock upstreams (${MOCK_GROUP}).\n` +
    'model_list:\n' +
    fleet.engines.map((e) => deployment(SIM_GROUP, `hosted_vllm/${SIM_MODEL}`, e.url, e.id)).join('') +
    fleet.mocks.map((m, i) => deployment(MOCK_GROUP, 'openai/mock-upstream', m.url, fleet.mockIds[i])).join('') +
    'router_settings:\n  routing_strategy: least-busy\n  num_retries: 2\n  timeout: 30\n' +
    `  stream_timeout: ${s.firstByteTimeoutS}\n` +
    `spillway:\n  log_level: warn\n${backpressure}`
  );
}

export async function writeGatewayConfig(outDir: string, yaml: string): Promise<string> {
  const file = path.join(outDir, 'chaos-gateway.yaml');
  await writeFile(file, yaml);
  return file;
}
