import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ProcGroup } from '../../bench/harness/procs.ts';
import { loadConfigFile, parseConfig } from '../../config/load.ts';
import { createGateway, type Gateway } from '../../gateway.ts';
import { startMock } from '../../mock/server.ts';
import { ChildLoad } from '../../ops/ui/load-control.ts';
import { type Command, intOption, parseOptions, untilSignal } from '../command.ts';
import {
  DEFAULT_ENGINE_PORTS,
  DEFAULT_SPEEDUP,
  DEMO_MODEL,
  DEMO_SLA,
  DEMO_WORKLOAD,
  type MeasuredCapacity,
  measureCapacity,
  startDemoEngines,
} from '../demo-fleet.ts';
import { cliLogger } from '../logger.ts';

const example = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));

const help = `Usage: spillway demo [--port P] [--engine-ports A,B,C] [--speedup X] [--capacity C] [--mocks]

Starts three simulated engines (spillway engine, child processes) on 127.0.0.1:${DEFAULT_ENGINE_PORTS.join(', :')}
(or --engine-ports; 0 = any free port), measures the fleet's capacity C straight at them (a few seconds; or
give it with --capacity), and the gateway on 127.0.0.1:4000 (or --port) with examples/demo-fleet.yaml: model
group "${DEMO_MODEL}", back pressure on, kv-aware routing, engines scraped, the operator page at /ui with a load
control (0.5× to 4× C, and a 10× burst).

  --speedup X    the engines run X times faster than the simulated GPU (default ${DEFAULT_SPEEDUP})
  --mocks        the plain demo instead: examples/demo.yaml over two fixed-latency mock upstreams
                 (127.0.0.1:4101 and :4102), no back pressure

Ctrl-C stops everything.`;

function curlLines(url: string): string {
  return `  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${DEMO_MODEL}","messages":[{"role":"user","content":"Hello!"}]}'

  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${DEMO_MODEL}","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'`;
}

async function serveUntilSignal(gateway: Gateway, flush: () => void, stop: () => Promise<unknown>): Promise<number> {
  await untilSignal();
  await gateway.shutdown(2000);
  await stop();
  flush();
  return 0;
}

/** The plain demo: two mock upstreams, no back pressure (what `npm start` ran before the fleet). */
async function mocksDemo(port: string | undefined): Promise<number> {
  const { config } = await loadConfigFile(example('demo.yaml'));
  const log = cliLogger(config.server.logLevel);
  const mocks = await Promise.all(
    config.deployments.map((d) => startMock({ port: Number(new URL(d.apiBase).port), latencyMs: 20, chunks: 8 })),
  );
  const gateway = createGateway({ config, logger: log });
  const url = await gateway.listen(intOption(port, 'port', config.server.port));
  console.error(`
Spillway is listening on ${url} (model group "${DEMO_MODEL}" over ${mocks.length} mock upstreams).

${curlLines(url)}

  curl -s ${url}/metrics | grep spillway_

Ctrl-C to stop.
`);
  return serveUntilSignal(
    gateway,
    () => log.flush(),
    () => Promise.all(mocks.map((m) => m.close())),
  );
}

function enginePorts(raw: string | undefined): number[] {
  if (raw === undefined) return DEFAULT_ENGINE_PORTS;
  const ports = raw.split(',').map((p) => intOption(p.trim(), 'engine-ports', 0));
  if (ports.length !== DEFAULT_ENGINE_PORTS.length)
    throw new Error(`--engine-ports: expected ${DEFAULT_ENGINE_PORTS.length} ports, got "${raw}"`);
  return ports;
}

export const command: Command = {
  summary: 'Gateway with back pressure and the operator page in front of three simulated engines (npm start)',
  help,
  async run(argv) {
    const opts = parseOptions(argv, {
      port: { type: 'string' },
      'engine-ports': { type: 'string' },
      speedup: { type: 'string' },
      capacity: { type: 'string' },
      mocks: { type: 'boolean' },
    });
    if (opts.mocks) return mocksDemo(opts.port);
    const started = performance.now();
    const speedup = intOption(opts.speedup, 'speedup', DEFAULT_SPEEDUP);
    const procs = new ProcGroup();
    // Ctrl-C shuts down gracefully (untilSignal); should the process end any other way, no engine outlives it.
    const killEngines = () => procs.killAllNow();
    process.once('exit', killEngines);
    try {
      const engines = await startDemoEngines(procs, enginePorts(opts['engine-ports']), speedup);
      // The file names the default ports; engines elsewhere (--engine-ports) take their places in it.
      let yaml = await readFile(example('demo-fleet.yaml'), 'utf8');
      DEFAULT_ENGINE_PORTS.forEach((p, i) => {
        yaml = yaml.replace(`http://127.0.0.1:${p}/v1`, `${engines[i].url}/v1`);
      });
      const { config } = parseConfig(yaml, process.env);
      const log = cliLogger(config.server.logLevel);
      let capacity: MeasuredCapacity;
      if (opts.capacity !== undefined) {
        capacity = { perS: intOption(opts.capacity, 'capacity', 0), source: 'given with --capacity' };
      } else {
        console.error(`Measuring the fleet's capacity straight at ${engines.length} engines (a few seconds)...`);
        capacity = await measureCapacity(engines, speedup);
      }
      const gateway = createGateway({ config, logger: log });
      const url = await gateway.listen(intOption(opts.port, 'port', config.server.port));
      const load = new ChildLoad({
        url,
        model: DEMO_MODEL,
        workload: DEMO_WORKLOAD,
        ...(config.server.masterKey !== undefined && { apiKey: config.server.masterKey }),
        capacityPerS: capacity.perS,
        capacitySource: capacity.source,
        onError: (message) => log.warn({ message }, 'load generator'),
      });
      gateway.ui.attachLoad(load);
      const c = capacity.perS;
      console.error(`
Spillway is listening on ${url}: model group "${DEMO_MODEL}" over ${engines.length} simulated engines \
(speedup ${speedup}), back pressure on, kv-aware routing; SLA: first token within ${DEMO_SLA.ttftMs} ms, \
${DEMO_SLA.itlMs} ms per token.
Started in ${((performance.now() - started) / 1000).toFixed(1)} s. Fleet capacity C = ${c}/s (${capacity.source}).

  Operator page: ${url}/ui   (its load control drives 0.5× to 4× C, and a 10× burst)

${curlLines(url)}

  Drive the fleet to 2× overload from another terminal:
  npx spillway bench --url ${url} --model ${DEMO_MODEL} --rate ${Math.round(2 * c * 10) / 10} --duration 60s --stream \\
    --workload '${DEMO_WORKLOAD}' --sla-ttft-ms ${DEMO_SLA.ttftMs} --sla-itl-ms ${DEMO_SLA.itlMs}

Ctrl-C to stop.
`);
      return await serveUntilSignal(
        gateway,
        () => log.flush(),
        () => load.close(),
      );
    } finally {
      await procs.stopAll();
      process.off('exit', killEngines);
    }
  },
};
