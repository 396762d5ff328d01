import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { loadConfigFile } from '../../config/load.ts';
import type { GatewayConfig } from '../../config/types.ts';
import { createGateway, type Gateway } from '../../gateway.ts';
import { reloadFromFile, reloadTriggers } from '../../reload/file-trigger.ts';
import { KeyStoreUnavailableError } from '../../tenants/store/open-store.ts';
import { type Command, intOption, parseOptions, untilSignal } from '../command.ts';
import { catchTheRest } from '../last-resort.ts';
import { cliLogger } from '../logger.ts';
import { redisCluster } from '../redis-cluster.ts';
import { Supervisor } from '../workers/supervisor.ts';

export const command: Command = {
  summary: 'Run the gateway from a YAML config file',
  help: `Usage: spillway serve --config FILE [--host H] [--port P] [--workers N|auto] [--watch-config]

Starts the gateway with the model groups, router and server settings of FILE
(LiteLLM proxy config shape; see README "Configuration").

Options:
  --config FILE    YAML configuration (required)
  --host H         listen address (default: spillway.host, else 127.0.0.1)
  --port P         listen port (default: spillway.port, else 4000)
  --workers N|auto worker threads accepting on the same port, sharing every limit and
                   the fleet's load (docs/SCALING.md); auto = one per core (default 1)
  --watch-config   reload FILE when it changes, as on SIGHUP

Exit codes: 0 after a signal, 1 on a config or other start-up error, 3 when the
API keys' database (general_settings.database_url, DATABASE_URL, spillway.keys)
cannot be opened.

SIGTERM: for spillway.drain_delay_ms keep accepting but answer readiness and new
requests with 503, then stop accepting, let in-flight requests finish
(spillway.drain_grace_ms), exit 0; with workers, every worker drains. SIGINT
(Ctrl-C) skips the delay.

SIGHUP: re-read FILE and apply its model list live (docs/RELOAD.md): groups,
deployments and their limits; unchanged deployments keep their state. An invalid
file is refused with its errors in the log and the running config stays.`,
  async run(argv) {
    const opts = parseOptions(argv, {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
      'watch-config': { type: 'boolean' },
    });
    if (opts.config === undefined) throw new Error('spillway serve: --config FILE is required (see --help)');
    const workers = workerCount(opts.workers);
    const { config, warnings } = await loadConfigFile(opts.config);
    const log = cliLogger(config.server.logLevel);
    for (const w of warnings) log.warn(`config: ${w}`);
    const port = intOption(opts.port, 'port', config.server.port);
    const host = opts.host ?? config.server.host;
    const watch = opts['watch-config'] === true;
    if (workers > 1) return serveWorkers({ configPath: opts.config, config, workers, host, port, log }, watch);
    const cluster = redisCluster(config, log);
    const gateway = createGateway({ config, logger: log, ...(cluster && { cluster: cluster.state }) });
    cluster?.register(gateway.metrics.registry);
    catchTheRest(gateway.metrics, log);
    const url = await listenOrExit(gateway, port, host, log);
    if (typeof url === 'number') return url;
    // Handlers first: the log line is written on another thread, and whoever reads it may signal at once.
    const signalled = untilSignal();
    const path = opts.config;
    const stopReloads = reloadTriggers({ path, run: () => reloadFromFile(path, gateway, log), watch, log });
    log.info({ url, ops_url: gateway.opsUrl, model_groups: [...gateway.groups.keys()] }, 'spillway listening');
    log.flush();
    const signal = await signalled;
    stopReloads();
    const delayMs = drainDelay(signal, config);
    log.info({ signal, delay_ms: delayMs }, 'draining');
    const clean = await gateway.shutdown(config.server.drainGraceMs, delayMs);
    log.info({ clean }, 'stopped');
    log.flush();
    return 0;
  },
};

/** Exit code when the API keys' database cannot be opened at start-up (README "Commands"). */
export const EXIT_KEY_STORE_UNAVAILABLE = 3;

/** The URL, or the exit code when the key store cannot be opened: a clear line, not a stack. */
async function listenOrExit(gateway: Gateway, port: number, host: string, log: Logger): Promise<string | number> {
  try {
    return await gateway.listen(port, host);
  } catch (err) {
    if (!(err instanceof KeyStoreUnavailableError)) throw err;
    log.fatal(err.message);
    log.flush();
    // Keys start first in listen: nothing else was started, so there is nothing to stop.
    return EXIT_KEY_STORE_UNAVAILABLE;
  }
}

/** `--workers`: a positive count, or `auto` for one per core. */
export function workerCount(value: string | undefined): number {
  if (value === undefined) return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--workers: expected a positive integer or auto, got "${value}"`);
  return n;
}

/** The delay is for load balancers to notice; an interactive Ctrl-C has none to wait for. */
function drainDelay(signal: NodeJS.Signals, config: GatewayConfig): number {
  return signal === 'SIGTERM' ? config.server.drainDelayMs : 0;
}

async function serveWorkers(o: ConstructorParameters<typeof Supervisor>[0], watch: boolean): Promise<number> {
  const { config, log } = o;
  const supervisor = new Supervisor(o);
  const { url, opsUrl } = await supervisor.run();
  const signalled = untilSignal();
  const run = async () => supervisor.reload();
  const stopReloads = reloadTriggers({ path: o.configPath, run, watch, log });
  log.info(
    { url, ops_url: opsUrl, workers: o.workers, model_groups: [...new Set(config.deployments.map((d) => d.group))] },
    'spillway listening',
  );
  log.flush();
  const signal = await Promise.race([signalled, supervisor.failure]);
  stopReloads();
  if (typeof signal === 'number') return signal;
  const delayMs = drainDelay(signal, config);
  log.info({ signal, delay_ms: delayMs, workers: o.workers }, 'draining');
  const clean = await supervisor.drain(delayMs, config.server.drainGraceMs);
  log.info({ clean }, 'stopped');
  log.flush();
  return 0;
}
