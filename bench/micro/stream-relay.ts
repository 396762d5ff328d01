// Cost of one streamed request's relay in the gateway, in process, back pressure off and no load model (the
// bench:overhead "stream" case's configuration): the pipeline's start (admission, selection, attempt), then
// undici's handler calls as a pool makes them for the mock's answer to a streamed chat of 16 tokens (head, the
// role chunk, 16 content chunks, the final chunk and `data: [DONE]`), the relay of each chunk to the client,
// and the request's end (holds, metrics, the log line at a silent level). The pool is a stand-in that answers
// synchronously from `dispatch`; the client's response writes nowhere. Sockets, HTTP parsing and the
// ingress stay out: it measures what the pipeline adds per stream and per chunk.
// Run: node bench/micro/stream-relay.ts
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import pino from 'pino';
import { type Dispatcher, Pool } from 'undici';
import { STANDARD } from '../../src/admission/priority.ts';
import { defaultCooldown } from '../../src/config/cooldown.ts';
import { deploymentConfig } from '../../src/load/test-support.ts';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.ts';
import type { ClientResponse } from '../../src/outcome/client-response.ts';
import { ProxyPipeline, type Upstream } from '../../src/pipeline/proxy.ts';
import { RequestContext, type RequestHeaders } from '../../src/pipeline/request-context.ts';
import { DirectRouter } from '../../src/pipeline/router.ts';
import { NO_ATTEMPT_HOOKS, OPEN_ADMISSION } from '../../src/pipeline/stages.ts';
import { Deployment } from '../../src/routing/deployment.ts';
import { ModelGroup } from '../../src/routing/group.ts';
import { simpleShuffle } from '../../src/routing/strategies/simple-shuffle.ts';
import { seededRandom } from '../../src/util/random.ts';
import { fixed } from '../../src/util/ref.ts';

const N = 50_000;
const TOKENS = 16;
const id = '"chatcmpl-1"';
const event = (delta: string, finish = 'null') =>
  Buffer.from(
    `data: {"id":${id},"object":"chat.completion.chunk","created":1,"model":"m",` +
      `"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`,
  );
const chunks = [
  event('{"role":"assistant","content":""}'),
  ...Array.from({ length: TOKENS }, (_, i) => event(`{"content":" w${i}"}`)),
  event('{}', '"stop"'),
  Buffer.from('data: [DONE]\n\n'),
];
const head: IncomingHttpHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const controller: Dispatcher.DispatchController = {
  aborted: false,
  paused: false,
  reason: null,
  abort() {},
  pause() {},
  resume() {},
};

/** Answers every request at once with the stream above, through the handler calls undici makes. */
class AnsweringPool extends Pool {
  override dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    handler.onRequestStart?.(controller, {});
    handler.onResponseStart?.(controller, 200, head, 'OK');
    for (const c of chunks) handler.onResponseData?.(controller, c);
    handler.onResponseEnd?.(controller, {});
    return true;
  }
}

const configs = Array.from({ length: 4 }, (_, i) => deploymentConfig(`e${i}`));
const deployments = configs.map((c) => new Deployment(c, defaultCooldown(), () => performance.now()));
const group = new ModelGroup('g', deployments, simpleShuffle(seededRandom(1)));
const pool = new AnsweringPool('http://127.0.0.1:9');
const upstreams = new Map<Deployment, Upstream>(
  deployments.map((d) => [
    d,
    { pool, pathPrefix: '', rootPrefix: '', headers: { 'content-type': 'application/json' } },
  ]),
);
const proxy = new ProxyPipeline({
  upstreams,
  metrics: new GatewayMetrics(fixed([group]), new Map()),
  log: pino({ level: 'silent' }),
  numRetries: 0,
  admission: OPEN_ADMISSION,
  hooks: NO_ATTEMPT_HOOKS,
  router: (attempts) => new DirectRouter(attempts),
});

const body = { model: 'g', stream: true, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] };
const raw = Buffer.from(JSON.stringify(body));
const headers: RequestHeaders = { priority: STANDARD, ttftBudgetMs: undefined, statusEvents: false, fault: undefined };
let written = 0;
const res: ClientResponse = {
  headersSent: false,
  writableEnded: false,
  writableFinished: false,
  statusCode: 200,
  socket: null,
  setHeader() {},
  writeHead() {},
  write: (c) => {
    written += c.length;
    return true;
  },
  end() {},
  destroy() {},
  on() {},
  once() {},
};

function request(): void {
  const ctx = new RequestContext({
    id: 'id',
    arrivalMs: performance.now(),
    modelGroup: group,
    endpoint: 'chat',
    upstreamPath: '/chat/completions',
    body,
    raw,
    headers,
    prompt: undefined,
  });
  proxy.start(ctx, res);
}

const runs: number[] = [];
for (let r = 0; r < 9; r++) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) request();
  const t = process.cpuUsage(t0);
  runs.push((t.user + t.system) / N);
}
runs.sort((a, b) => a - b);
const inFlight = deployments.reduce((s, d) => s + d.inFlight, 0);
console.log(
  `streamed request, ${chunks.length} chunks: ${runs[4].toFixed(2)} µs CPU/request (median of 9 × ${N}; min ` +
    `${runs[0].toFixed(2)}), ${(written / (9 * N)).toFixed(0)} bytes relayed each; in flight after: ${inFlight}`,
);
console.log(`${os.cpus()[0]?.model}, node ${process.version}`);
