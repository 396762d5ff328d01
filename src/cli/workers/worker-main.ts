/**
 * One worker thread of `spillway serve --workers N`: a whole gateway built from the config file, sharing
 * limits and load with the others (./worker-cluster.ts), listening with SO_REUSEPORT on the port they all
 * share. Its health, metrics and admin answers are the whole gateway's (./ops-relay.ts). It drains when the
 * supervisor says so, then exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { workerCluster } from '../../cluster/workers/worker-cluster.ts';
import { loadConfigFile } from '../../config/load.ts';
import { createGateway } from '../../gateway.ts';
import { upstreamHealth } from '../../ops/upstream-health.ts';
import { applySettings, liveState } from '../../pipeline/backpressure/settings.ts';
import { type Reloadable, reloadFromFile } from '../../reload/file-trigger.ts';
import { catchTheRest } from '../last-resort.ts';
import { workerLogger } from '../logger.ts';
import { redisCluster } from '../redis-cluster.ts';
import { relayedBackpressure, relayedOps } from './ops-relay.ts';
import type { FromWorker, GatewayQuestion, ToWorker, WorkerPart, WorkerStart, WorkerState } from './protocol.ts';

const start = workerData as WorkerStart;
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);

const { config } = await loadConfigFile(start.configPath);
const server = { ...config.server, opsPort: start.opsPort };
const log = workerLogger(config.server.logLevel, start.worker);
const sharedMemory = workerCluster(start);
// With spillway.cluster each worker is one instance of the Redis cluster (its own id, its own round trips): Redis
// then shares limits and load between the workers too, within its bounds, and the shared memory carries only
// the back-pressure settings.
const redis = redisCluster(config, log);
const cluster = redis?.state ?? sharedMemory;

const asked = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
let nextAsk = 0;
function ask(what: GatewayQuestion): Promise<unknown> {
  const id = nextAsk++;
  return new Promise((resolve, reject) => {
    asked.set(id, { resolve, reject });
    send({ kind: 'ask', id, what });
  });
}

const gateway = createGateway({
  config: { ...config, server },
  logger: log,
  cluster,
  reusePort: true,
  ops: (own) => relayedOps(own, ask),
  backpressureAnswer: relayedBackpressure(ask),
  onSettingsApplied: (settings) => sharedMemory.events.settings(settings),
});
redis?.register(gateway.metrics.registry);
const bp = gateway.backpressure;
if (bp !== undefined) sharedMemory.events.onSettings((settings) => applySettings(bp, settings));
catchTheRest(gateway.metrics, log);

/** This worker's part of each whole-gateway answer (./ops-relay.ts combines them). */
const parts: { readonly [W in WorkerPart]: () => unknown } = {
  metrics: () => gateway.metrics.registry.getMetricsAsJSON(),
  upstreams: () => upstreamHealth([...gateway.groups.values()], config.router.cooldown),
  backpressure: () => ({ worker: start.worker, state: bp && liveState(bp) }) satisfies WorkerState,
};

// The ops port is the supervisor's resolved one, whatever the file says, so it never reads as a change.
const reloadable: Reloadable = {
  reload: (next) => gateway.reload({ ...next, server: { ...next.server, opsPort: start.opsPort } }),
  reloadInvalid: (issues) => gateway.reloadInvalid(issues),
};

let draining = false;
async function drain(delayMs: number, graceMs: number): Promise<void> {
  if (draining) return;
  draining = true;
  const clean = await gateway.shutdown(graceMs, delayMs);
  send({ kind: 'stopped', clean });
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(0);
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'answer') {
    const waiting = asked.get(m.id);
    asked.delete(m.id);
    if (m.error === undefined) waiting?.resolve(m.value);
    else waiting?.reject(new Error(m.error));
  } else if (m.kind === 'collect') {
    Promise.resolve()
      .then(parts[m.what])
      .then(
        (value) => send({ kind: 'collected', id: m.id, value }),
        (err: Error) => {
          log.error({ err }, 'worker: collecting for the supervisor failed');
          send({ kind: 'collected', id: m.id, value: null });
        },
      );
  } else if (m.kind === 'reload') {
    void reloadFromFile(start.configPath, reloadable, log);
  } else {
    void drain(m.delayMs, m.graceMs);
  }
});

try {
  const url = await gateway.listen(start.port, start.host);
  send({ kind: 'listening', url, opsUrl: gateway.opsUrl });
} catch (err) {
  // Not the last resort's to swallow: a worker that cannot listen exits, and the supervisor stops.
  log.error({ err }, 'worker could not listen');
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  process.exit(1);
}
