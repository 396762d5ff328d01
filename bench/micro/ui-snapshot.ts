// Cost of the operator page's feed (issue 13): one snapshot (src/ops/ui/snapshot.ts) plus its JSON.stringify, as
// the feed's timer does it every 250 ms while a page is connected, at 20 groups / 64 engines and at 1 / 1. The
// gateway is built from YAML as `serve` builds it (back pressure on, each engine's load model fed a report, its
// TTFT and ITL quantiles filled, three refusal codes per group), never listening: nothing else runs. The clock
// the snapshots read steps 250 ms per snapshot, so their reading ring holds what it holds live (~41 readings).
// Prints µs per snapshot and the share of one core the feed takes at 4 snapshots a second.
// Run: node bench/micro/ui-snapshot.ts
import os from 'node:os';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { createGateway } from '../../src/gateway.ts';
import { Snapshots } from '../../src/ops/ui/snapshot.ts';
import { fixed } from '../../src/util/ref.ts';

const PER_SECOND = 4;
const SAMPLES = 2000;

function fleetYaml(groups: number, deployments: number): string {
  const models = Array.from(
    { length: deployments },
    (_, j) => `  - model_name: g${j % groups}
    litellm_params: { model: hosted_vllm/sim, api_base: "http://127.0.0.1:9/v1" }
    model_info: { id: d${j} }
    spillway: { load: { kind: push } }
`,
  );
  return `model_list:
${models.join('')}router_settings: { routing_strategy: kv-aware }
spillway:
  backpressure:
    enabled: true
    router: { ttft_budget_ms: 500 }
    engine: { itl_slo_ms: 10 }
`;
}

/** Snapshots over a gateway of that size, its engines and counters looking like a fleet under load. */
function snapshotsOf(groups: number, deployments: number): { snapshots: Snapshots; step: () => void } {
  const { config } = parseConfig(fleetYaml(groups, deployments), {});
  const bp = createGateway({ config, logger: pino({ level: 'silent' }) }).backpressure!;
  const refusedBy = new Map<string, Map<string, number>>();
  let k = 0;
  for (const g of bp.groups.values()) {
    refusedBy.set(
      g.name,
      new Map([
        ['router_deadline', 0],
        ['ingress_kv_budget', 0],
        ['engine_itl_slo', 0],
      ]),
    );
    for (const e of g.engines) {
      e.load.report({ running: 12, waiting: 3, kvBlocksUsed: 2000 + k++, kvBlocksTotal: 4096 }, e.load.markSample());
      for (let i = 0; i < 500; i++) {
        e.gate.ttftQuantiles.add(80 + ((i * 37) % 400));
        e.gate.itlQuantiles.add(4 + ((i * 13) % 20) / 4);
      }
    }
  }
  let t = Date.now();
  const snapshots = new Snapshots({
    groups: fixed(new Map()),
    backpressure: bp,
    refusedBy,
    load: () => undefined,
    now: () => (t += 250),
  });
  // Counters move between snapshots, as they do under load, so every rate is computed from a real delta.
  const step = () => {
    for (const byCode of refusedBy.values()) for (const [code, n] of byCode) byCode.set(code, n + 3);
  };
  return { snapshots, step };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const cpu = os.cpus();
console.log(`node ${process.version}, ${cpu[0]?.model ?? 'cpu'} × ${cpu.length}; ${SAMPLES} snapshots per case`);
console.log(
  `${'case'.padEnd(22)} ${'bytes'.padStart(7)} ${'p50 µs'.padStart(8)} ${'p90 µs'.padStart(8)} ${'p99 µs'.padStart(8)} ${'core at 4/s'.padStart(12)}`,
);
for (const [groups, engines] of [
  [1, 1],
  [20, 64],
]) {
  const { snapshots, step } = snapshotsOf(groups, engines);
  let bytes = 0;
  for (let i = 0; i < 200; i++) bytes = JSON.stringify(snapshots.take()).length; // warm-up, and the ring filled
  const us: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    step();
    const start = performance.now();
    bytes = JSON.stringify(snapshots.take()).length;
    us.push((performance.now() - start) * 1000);
  }
  us.sort((a, b) => a - b);
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  const share = `${((mean * PER_SECOND) / 1e4).toFixed(3)} %`;
  const f = (x: number) => x.toFixed(1).padStart(8);
  const name = `${groups} groups, ${engines} engines`;
  console.log(
    `${name.padEnd(22)} ${String(bytes).padStart(7)} ${f(percentile(us, 0.5))} ${f(percentile(us, 0.9))} ${f(percentile(us, 0.99))} ${share.padStart(12)}`,
  );
}
