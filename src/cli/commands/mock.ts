import { type MockOptions, startMock } from '../../mock/server.ts';
import { type Command, intOption, parseOptions, untilSignal } from '../command.ts';

export const command: Command = {
  summary: 'A fast, deterministic OpenAI-compatible upstream for tests and benchmarks',
  help: `Usage: spillway mock [options]

Serves POST /v1/chat/completions, /v1/completions, /v1/embeddings and GET /v1/models (also without /v1),
streaming or not, until Ctrl-C. Any model name is answered. Streams end with finish_reason "stop" and
data: [DONE]; stream_options.include_usage adds a usage chunk. usage.prompt_tokens is the request body's
bytes / 4, completion_tokens is the number of chunks.

Options:
  --port P               port to listen on (default 4101; 0 picks a free one)
  --host H               address to listen on (default 127.0.0.1)
  --latency-ms N         delay before the first response byte (default 0)
  --chunks N             content chunks per response = completion tokens (default 16)
  --chunk-interval-ms N  delay between streamed chunks (default 0: the whole stream in one write)
  --fail-rate R          probability in [0, 1] that a request fails with an OpenAI-style error (default 0)
  --fail-status S        HTTP status of those failures (default 500)
  --seed S               seed of the failure draws (default 1)
  --model NAME           a name listed by /v1/models; repeat for more (default "mock")
  --api-key KEY          require "Authorization: Bearer KEY" (default: no check)`,
  async run(argv) {
    const o = parseOptions(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      'latency-ms': { type: 'string' },
      chunks: { type: 'string' },
      'chunk-interval-ms': { type: 'string' },
      'fail-rate': { type: 'string' },
      'fail-status': { type: 'string' },
      seed: { type: 'string' },
      model: { type: 'string', multiple: true },
      'api-key': { type: 'string' },
    });
    const options: MockOptions = {
      port: intOption(o.port, 'port', 4101),
      host: o.host ?? '127.0.0.1',
      latencyMs: intOption(o['latency-ms'], 'latency-ms', 0),
      chunks: intOption(o.chunks, 'chunks', 16),
      chunkIntervalMs: intOption(o['chunk-interval-ms'], 'chunk-interval-ms', 0),
      failRate: intOption(o['fail-rate'], 'fail-rate', 0),
      failStatus: intOption(o['fail-status'], 'fail-status', 500),
      seed: intOption(o.seed, 'seed', 1),
      models: o.model,
      apiKey: o['api-key'],
    };
    const mock = await startMock(options);
    console.error(
      `spillway mock: listening on ${mock.url} (api_base ${mock.apiBase}); ` +
        `models ${(options.models ?? ['mock']).join(', ')}; ` +
        `latency ${options.latencyMs} ms, ${options.chunks} chunks, fail-rate ${options.failRate}`,
    );
    const signal = await untilSignal();
    await mock.close();
    const s = mock.stats;
    console.error(
      `spillway mock: ${signal}: stopped; ${s.received} received, ${s.served} ` +
        `served (${s.failed} injected failures), ${s.aborted} aborted`,
    );
    return 0;
  },
};
