import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../config/load.ts';
import { createGateway } from '../../gateway.ts';
import { startMock } from '../../mock/server.ts';
import { type Command, intOption, parseOptions, untilSignal } from '../command.ts';
import { cliLogger } from '../logger.ts';

const demoConfig = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));

export const command: Command = {
  summary: 'Gateway on 127.0.0.1:4000 in front of two embedded mock upstreams (what `npm start` runs)',
  help: `Usage: spillway demo [--port P]

Starts two mock OpenAI-compatible upstreams on 127.0.0.1:4101 and :4102 and the
gateway on 127.0.0.1:4000 (or --port) with examples/demo.yaml: model group "demo".
Ctrl-C stops everything.`,
  async run(argv) {
    const opts = parseOptions(argv, { port: { type: 'string' } });
    const { config } = await loadConfigFile(demoConfig);
    const log = cliLogger(config.server.logLevel);
    const mocks = await Promise.all(
      config.deployments.map((d) => startMock({ port: Number(new URL(d.apiBase).port), latencyMs: 20, chunks: 8 })),
    );
    const gateway = createGateway({ config, logger: log });
    const url = await gateway.listen(intOption(opts.port, 'port', config.server.port));
    console.error(`
Spillway is listening on ${url} (model group "demo" over ${mocks.length} mock upstreams).

  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"demo","messages":[{"role":"user","content":"Hello!"}]}'

  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"demo","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

  curl -s ${url}/metrics | grep spillway_

Ctrl-C to stop.
`);
    await untilSignal();
    await gateway.shutdown(2000);
    await Promise.all(mocks.map((m) => m.close()));
    log.flush();
    return 0;
  },
};
