/**
 * The chaos soak (issue 10): good traffic at a fixed rate through a gateway process in front of simulated engines
 * and mock upstreams, while a schedule (printed at the start) injects faults in rotation: kill -9 of an engine
 * and its restart, upstream stalls, resets, 5xx and 429 bursts, slow and aborting clients, idle socket floods and
 * the fuzzer's bad requests. The gateway is watched from outside: its exits (a crashed gateway is restarted and
 * the crash counted), RSS, liveness latency and event-loop lag; its accounting is read from /metrics at the end.
 * docs/BENCHMARKS.md "Chaos soak" describes the report; src/bench/chaos/ holds the parts.
 *
 *   node bench/chaos.ts [--duration 10m] [--rate 20] [--arrival poisson|constant] [--seed 1]
 *                       [--backpressure on|off] [--json] [--smoke] [--out DIR]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ARRIVAL_KINDS, type ArrivalKind } from '../src/bench/arrivals.ts';
import { type FaultResult, runSchedule } from '../src/bench/chaos/faults.ts';
import { type ChaosFleet, GROUPS, gatewayYaml, startFleet, writeGatewayConfig } from '../src/bench/chaos/fleet.ts';
import { GatewayMonitor } from '../src/bench/chaos/monitor.ts';
import { buildReport, formatReport } from '../src/bench/chaos/report.ts';
import { buildSchedule, formatSchedule, parseDuration } from '../src/bench/chaos/schedule.ts';
import { GoodTraffic } from '../src/bench/chaos/traffic.ts';
import { accountingFigures } from '../src/bench/harness/accounting.ts';
import { ProcGroup, REPO } from '../src/bench/harness/procs.ts';
import { machineLine } from '../src/bench/harness/scenario.ts';

const ENGINES = 3;
const MOCKS = 2;
/** The SLA good traffic is judged by; back pressure is told the same. */
const SLA = { ttftMs: 1000, itlMs: 100 };
/** Seconds of cooldown a fault's effects may outlast its window by (LiteLLM's default cooldown_time). */
const GRACE_MS = 5000;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string' },
    rate: { type: 'string' },
    arrival: { type: 'string', default: 'poisson' },
    seed: { type: 'string', default: '1' },
    backpressure: { type: 'string', default: 'on' },
    json: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  strict: true,
});
const smoke = values.smoke;
const durationMs = parseDuration(values.duration ?? (smoke ? '11s' : '10m'));
const rate = Number(values.rate ?? (smoke ? 10 : 20));
const seed = Number(values.seed);
const arrival = values.arrival as ArrivalKind;
if (!ARRIVAL_KINDS.includes(arrival)) throw new Error(`--arrival: one of ${ARRIVAL_KINDS.join(', ')}`);
if (!(rate > 0) || !Number.isInteger(seed)) throw new Error('--rate must be > 0 and --seed an integer');
if (values.backpressure !== 'on' && values.backpressure !== 'off') throw new Error('--backpressure: on or off');
const backpressure = values.backpressure === 'on';
const outDir = path.resolve(values.out ?? path.join(REPO, 'bench-results', smoke ? 'chaos-smoke' : 'chaos'));

const started = performance.now();
let t0 = started;
const now = () => performance.now() - t0;
const log = (m: string) => process.stderr.write(`[chaos ${((performance.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

const procs = new ProcGroup();
const releaseSignals = procs.killOnExit();
const boundMs = durationMs + (smoke ? 90_000 : 180_000);
const bound = setTimeout(() => {
  log(`exceeded its ${boundMs / 1000} s bound`);
  procs.killAllNow();
  process.exit(1);
}, boundMs);
bound.unref();

let fleet: ChaosFleet | undefined;
let monitor: GatewayMonitor | undefined;
let traffic: GoodTraffic | undefined;
try {
  await mkdir(outDir, { recursive: true });
  const schedule = buildSchedule({ durationMs, smoke, engines: ENGINES, mocks: MOCKS });
  process.stderr.write(`${formatSchedule(schedule)}\n`);
  fleet = await startFleet(procs, { engines: ENGINES, mocks: MOCKS });
  const firstByteTimeoutS = Math.min(3, schedule.intensity.stallMs / 2000);
  const configFile = await writeGatewayConfig(
    outDir,
    gatewayYaml(fleet, { backpressure, sla: SLA, firstByteTimeoutS }),
  );
  monitor = new GatewayMonitor({
    procs,
    configFile,
    now,
    log,
    probeIntervalMs: smoke ? 100 : 200,
    scrapeIntervalMs: smoke ? 2000 : 10_000,
  });
  await monitor.start();
  log(
    `gateway ${monitor.url} (pid ${monitor.proc.pid}), ${ENGINES} engines, ${MOCKS} mocks; good traffic ${rate}/s for ${durationMs / 1000} s`,
  );

  traffic = new GoodTraffic({
    url: monitor.url,
    groups: GROUPS,
    rate,
    arrival,
    seed,
    timeoutMs: 30_000,
    maxTokens: 16,
    now,
  });
  t0 = performance.now();
  monitor.sample();
  const [good, gw] = [traffic, monitor];
  const progress = setInterval(
    () => {
      const r = good.records;
      log(
        `${(now() / 1000).toFixed(0)} s: ${r.length} sent, ${r.filter((x) => x.ok).length} ok, ${gw.crashes.length} gateway exits`,
      );
    },
    smoke ? 5000 : 30_000,
  );
  traffic.start(durationMs);
  const faults: FaultResult[] = await runSchedule({ fleet, monitor, schedule, seed, now, log });
  await traffic.drained();
  clearInterval(progress);
  monitor.stopSampling();
  log('traffic over; reading the accounting');
  await monitor.whenUp();
  const accounting = await settle(monitor, smoke ? 5000 : 15_000);
  await traffic.close();
  await monitor.stop();

  const command = `node bench/chaos.ts ${process.argv.slice(2).join(' ')}`.trim();
  const report = buildReport({
    command,
    machine: machineLine(),
    options: { durationS: durationMs / 1000, rate, arrival, seed, smoke, backpressure, sla: SLA },
    schedule,
    records: traffic.records,
    faults,
    graceMs: Math.min(
      GRACE_MS,
      schedule.windows.length > 1
        ? schedule.windows[1].atMs - schedule.windows[0].atMs - schedule.windows[0].durationMs
        : GRACE_MS,
    ),
    crashes: monitor.crashes,
    downtimes: monitor.downtimes,
    finalExit: monitor.finalExit,
    rss: monitor.rss,
    rssPids: monitor.rssPids,
    probes: monitor.probes,
    lag: monitor.lag,
    accounting,
  });
  const text = formatReport(report);
  await writeFile(path.join(outDir, 'chaos.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(outDir, 'chaos.txt'), `${text}\n`);
  process.stdout.write(`${values.json ? JSON.stringify(report) : text}\n`);
  log(`report: ${path.join(outDir, 'chaos')}.{txt,json}`);
} catch (err) {
  log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  // After a failure midway, nothing the run started may keep the process alive.
  monitor?.stopSampling();
  await traffic?.close();
  await fleet?.close();
  await procs.stopAll();
  clearTimeout(bound);
  releaseSignals();
}

/** Polls /metrics until every accounting figure is zero, or `limitMs` has passed. */
async function settle(monitor: GatewayMonitor, limitMs: number) {
  const t = performance.now();
  let values: Record<string, number> = {};
  try {
    for (;;) {
      values = accountingFigures(await monitor.metrics());
      const settled = Object.values(values).every((v) => v === 0);
      const waitedMs = Math.round(performance.now() - t);
      if (settled || waitedMs >= limitMs) return { settled, waitedMs, values };
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    return { error: (err as Error).message };
  }
}
