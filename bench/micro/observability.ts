// Cost per request of what observability adds to the pipeline, in process (no sockets):
//   tracing off            NO_TRACING's five hooks, including the attempt's headers (x-request-id; the client's
//                          traceparent when it sent one): what every request pays with tracing off
//   token counter          spillway_tokens_total and the ITL histogram for a whole 2xx response: a non-streamed
//                          body (usage read from its tail), a stream whose usage event the gateway stripped
//   tracing on             OtelTracing's hooks for one attempt: sampled out (sample_ratio 0), and recorded
//                          (6 spans into the batch processor; its export goes to a closed port and fails)
// The gateway's own CPU per request is ~40-110 µs (docs/BENCHMARKS.md), so 1 % is ~0.5-1 µs.
// Run: node bench/micro/observability.ts
import os from 'node:os';
import { Registry } from 'prom-client';
import { STANDARD } from '../../src/admission/priority.ts';
import { defaultCooldown } from '../../src/config/cooldown.ts';
import { deploymentConfig } from '../../src/load/test-support.ts';
import type { ClientResponse } from '../../src/outcome/client-response.ts';
import { ProxyRequest } from '../../src/pipeline/proxy-request.ts';
import { RequestContext, type RequestHeaders } from '../../src/pipeline/request-context.ts';
import { TokenMetrics } from '../../src/pipeline/token-metrics.ts';
import { OtelTracing } from '../../src/pipeline/tracing/otel-tracing.ts';
import { NO_TRACING, type RequestTracing } from '../../src/pipeline/tracing/tracing.ts';
import { UsageStripper } from '../../src/relay/usage-strip.ts';
import { Deployment } from '../../src/routing/deployment.ts';
import { ModelGroup } from '../../src/routing/group.ts';
import { simpleShuffle } from '../../src/routing/strategies/simple-shuffle.ts';
import type { Exchange } from '../../src/upstream/exchange.ts';

const N = 100_000;
const d = new Deployment(deploymentConfig('e0'), defaultCooldown(), () => performance.now());
const group = new ModelGroup('g', [d], simpleShuffle(Math.random));
const body = { model: 'g', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 };
const raw = Buffer.from(JSON.stringify(body));
const headers: RequestHeaders = { priority: STANDARD, ttftBudgetMs: undefined, statusEvents: false, fault: undefined };
const res = {} as ClientResponse;
const base = { 'content-type': 'application/json', authorization: 'Bearer k' };
const x = { deployment: d, status: 200, firstChunkMs: 1 } as Exchange;
const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'x',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there! '.repeat(30) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 14, completion_tokens: 90, total_tokens: 104 },
  }),
);
const request = () =>
  new ProxyRequest(
    new RequestContext({
      id: 'id',
      arrivalMs: performance.now(),
      modelGroup: group,
      endpoint: 'chat',
      upstreamPath: '/chat/completions',
      body,
      raw,
      headers,
      prompt: undefined,
    }),
    res,
  );

function measure(name: string, op: () => void, n = N): number {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) op();
    runs.push(((performance.now() - t0) * 1000) / n);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(52)} ${runs[2].toFixed(3)} µs/request (median of 5 × ${n}; min ${runs[0].toFixed(3)})`);
  return runs[2];
}

function traced(t: RequestTracing) {
  return () => {
    const pr = request();
    t.begin(pr);
    t.admitted(pr, false);
    pr.attempts = 1;
    t.attempt(pr, d, base);
    t.attemptEnded(pr, x, 'complete');
    t.finished(pr, 'upstream_response', 200);
  };
}

const tokens = new TokenMetrics(new Registry(), [group]);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}; µs include building the request (baseline)`);
const baseline = measure('baseline: a RequestContext and ProxyRequest', () => void request());
const off = measure('tracing off: NO_TRACING hooks + attempt headers', traced(NO_TRACING));
const plainBody = measure('token counter: non-streamed 2xx (usage in its tail)', () => {
  const pr = request();
  pr.tail = completion;
  tokens.completed(pr, x, 2);
});
const stripped = measure('token counter: stream, usage event stripped', () => {
  const pr = request();
  pr.sse = true;
  pr.stripper = new UsageStripper();
  pr.stripper.promptTokens = 14;
  pr.stripper.completionTokens = 90;
  tokens.completed(pr, x, 2);
});
const unsampled = new OtelTracing({ endpoint: 'http://127.0.0.1:9/v1/traces', sampleRatio: 0 });
const recorded = new OtelTracing({ endpoint: 'http://127.0.0.1:9/v1/traces', sampleRatio: 1 });
const out = measure('tracing on, sampled out', traced(unsampled), N / 10);
const on = measure('tracing on, recorded (6 spans)', traced(recorded), N / 10);
console.log('\nadded per request, over the baseline:');
for (const [name, v] of [
  ['tracing off', off],
  ['token counter, non-streamed', plainBody],
  ['token counter, stripped stream', stripped],
  ['tracing on, sampled out', out],
  ['tracing on, recorded', on],
] as const)
  console.log(`  ${name.padEnd(34)} ${(v - baseline).toFixed(3)} µs`);
await Promise.allSettled([unsampled.shutdown(), recorded.shutdown()]);
