import { loadConfigFile } from '../../config/load.ts';
import { createGateway } from '../../gateway.ts';
import { type Command, intOption, parseOptions, untilSignal } from '../command.ts';
import { cliLogger } from '../logger.ts';

export const command: Command = {
  summary: 'Run the gateway from a YAML config file',
  help: `Usage: spillway serve --config FILE [--host H] [--port P]

Starts the gateway with the model groups, router and server settings of FILE
(LiteLLM proxy config shape; see README "Configuration").

Options:
  --config FILE   YAML configuration (required)
  --host H        listen address (default: spillway.host, else 127.0.0.1)
  --port P        listen port (default: spillway.port, else 4000)

SIGTERM: for spillway.drain_delay_ms keep accepting but answer readiness and new
requests with 503, then stop accepting, let in-flight requests finish
(spillway.drain_grace_ms), exit 0. SIGINT (Ctrl-C) skips the delay.`,
  async run(argv) {
    const opts = parseOptions(argv, {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
    });
    if (opts.config === undefined) throw new Error('spillway serve: --config FILE is required (see --help)');
    const { config, warnings } = await loadConfigFile(opts.config);
    const log = cliLogger(config.server.logLevel);
    for (const w of warnings) log.warn(`config: ${w}`);
    const gateway = createGateway({ config, logger: log });
    // Last resort only: every request's path catches at its own entry points and ends that request
    // (docs/ARCHITECTURE.md, "Crash isolation"). What still escapes is a bug off any request's path; it is logged
    // and counted, and the process serves on rather than cutting every stream in flight.
    const lastResort = (err: unknown): void => {
      gateway.metrics.internalErrors.inc({ stage: 'process' });
      log.error({ stage: 'process', err }, 'internal error');
    };
    process.on('uncaughtException', lastResort);
    process.on('unhandledRejection', lastResort);
    const url = await gateway.listen(intOption(opts.port, 'port', config.server.port), opts.host ?? config.server.host);
    // Handlers first: the log line is written on another thread, and whoever reads it may signal at once.
    const signalled = untilSignal();
    log.info({ url, ops_url: gateway.opsUrl, model_groups: [...gateway.groups.keys()] }, 'spillway listening');
    log.flush();
    const signal = await signalled;
    // The delay is for load balancers to notice; an interactive Ctrl-C has none to wait for.
    const delayMs = signal === 'SIGTERM' ? config.server.drainDelayMs : 0;
    log.info({ signal, delay_ms: delayMs }, 'draining');
    const clean = await gateway.shutdown(config.server.drainGraceMs, delayMs);
    log.info({ clean }, 'stopped');
    log.flush();
    return 0;
  },
};
