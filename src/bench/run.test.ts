import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchOptions } from './options.ts';
import { renderBenchReport } from './report/html.ts';
import { runBench } from './run.ts';
import { formatTable } from './table.ts';
import { startFakeOpenAI } from './testing/fake-openai.ts';

const base = (url: string, over: Partial<BenchOptions> = {}): BenchOptions => ({
  urls: [url],
  model: 'm',
  load: { kind: 'open', rate: 200, arrival: 'constant' },
  durationMs: 300,
  warmupMs: 0,
  workload: 'chat-short',
  stream: false,
  sla: {},
  seed: 1,
  connections: 64,
  timeoutMs: 5000,
  maxInFlight: 1000,
  ...over,
});

test('open loop: a steady 200/s for 300 ms sends 60 requests; records refusals, Retry-After and tokens', async (t) => {
  const server = await startFakeOpenAI((n) =>
    n % 4 === 3 ? { status: 429, headers: { 'retry-after-ms': '1234' } } : { usageTokens: 7 },
  );
  t.after(() => server.close());
  const r = await runBench(base(server.url));
  const s = r.summary;
  assert.equal(server.requests, 60);
  assert.equal(s.requests, 60);
  assert.equal(s.rejected['429'], 15);
  assert.equal(s.completed, 45);
  assert.equal(s.good, 45, 'no SLA: every completed request is good');
  assert.equal(s.admitted, 45);
  assert.equal(s.slaAttainment, 1);
  assert.equal(s.slaAttainmentAll, 0.75);
  assert.equal(s.offeredRps, 200);
  assert.equal(s.retryAfterMs.p50, 1234);
  assert.equal(s.outputTokens, 45 * 7);
  assert.equal(s.ttftMs.count, 45, 'a whole response is its first token');
  assert.deepEqual(s.errors, {});
  assert.equal(
    r.timeline.buckets.reduce((a, b) => a + b.offered, 0),
    60,
  );
  assert.equal(
    r.ttftHistogram.counts.reduce((a, b) => a + b, 0),
    45,
  );
});

test('streams: TTFT, inter-token gaps and TPOT follow the server; the SLA splits good from late', async (t) => {
  const server = await startFakeOpenAI((n) => ({ delayMs: n % 2 ? 400 : 0, chunks: 4, gapMs: 15 }));
  t.after(() => server.close());
  const r = await runBench(
    base(server.url, {
      stream: true,
      load: { kind: 'open', rate: 40, arrival: 'constant' },
      sla: { ttftMs: 200, itlMs: 100 },
    }),
  );
  const s = r.summary;
  assert.equal(s.requests, 12);
  assert.equal(s.completed, 12);
  assert.equal(s.good, 6, 'the half delayed 400 ms before the first token miss a 200 ms TTFT SLA');
  assert.equal(s.outputTokens, 48, 'content chunks count as tokens when the stream has no usage');
  assert.equal(s.itlMs.count, 36);
  assert.ok(s.itlMs.p50 >= 14 && s.itlMs.p50 < 100, `ITL p50 ${s.itlMs.p50}`);
  assert.ok(s.tpotMs.p50 >= 14 && s.tpotMs.p50 < 100, `TPOT p50 ${s.tpotMs.p50}`);
  assert.ok(s.ttftMs.p99 >= 400, `TTFT p99 ${s.ttftMs.p99}`);
  assert.ok(s.e2eMs.p50 >= 45, `E2E p50 ${s.e2eMs.p50}`);
  const strict = await runBench(
    base(server.url, { stream: true, load: { kind: 'open', rate: 40, arrival: 'constant' }, sla: { itlMs: 5 } }),
  );
  assert.equal(strict.summary.good, 0, 'no stream keeps a 5 ms per-token SLA with 15 ms gaps');
});

test('closed loop: N users never have more than N requests in flight and think between requests', async (t) => {
  const server = await startFakeOpenAI(() => ({ delayMs: 10 }));
  t.after(() => server.close());
  const r = await runBench(
    base(server.url, { load: { kind: 'closed', users: 3, thinkMs: [20, 30] }, durationMs: 400, connections: 3 }),
  );
  assert.equal(server.maxConcurrent <= 3, true);
  assert.equal(r.summary.generator.maxInFlight <= 3, true);
  // Each user cycles in 30-40 ms (10 ms service + 20-30 ms think): about 10-14 requests each in 400 ms.
  assert.ok(r.summary.requests >= 20 && r.summary.requests <= 45, `requests ${r.summary.requests}`);
  assert.equal(r.config.mode, 'closed');
});

test('errors are classified by kind with a sample; a refused connection is an error, not a hang', async (t) => {
  const server = await startFakeOpenAI((n) => (n % 3 === 0 ? { status: 500 } : n % 3 === 1 ? { destroy: true } : {}));
  t.after(() => server.close());
  const r = await runBench(base(server.url, { durationMs: 150 }));
  assert.equal(r.summary.errors.http_500, 10);
  assert.equal(r.summary.errors.connection_reset, 10);
  assert.equal(r.summary.completed, 10);
  assert.match(r.errorSamples.http_500, /status 500/);
  await server.close();
  const refused = await runBench(base(server.url, { durationMs: 50 }));
  assert.equal(refused.summary.errors.connection_refused, refused.summary.requests);
  assert.ok(refused.summary.requests > 0);
});

test('a warm-up runs the same load before the measured window and is not recorded', async (t) => {
  const server = await startFakeOpenAI(() => ({}));
  t.after(() => server.close());
  const r = await runBench(base(server.url, { warmupMs: 200, durationMs: 100 }));
  assert.equal(server.requests, 60);
  assert.equal(r.summary.requests, 20);
  assert.equal(r.config.warmupS, 0.2);
  assert.ok(r.summary.generator.wallS < 0.5);
});

test('round robin over several URLs; the report and table render from the result', async (t) => {
  const a = await startFakeOpenAI(() => ({}));
  const b = await startFakeOpenAI(() => ({}));
  t.after(() => Promise.all([a.close(), b.close()]));
  const r = await runBench(base(a.url, { urls: [a.url, `${b.url}/v1`], durationMs: 100 }));
  assert.equal(a.requests, 10);
  assert.equal(b.requests, 10);
  const html = renderBenchReport(r);
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 4);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org|127\.0\.0\.1)/);
  assert.match(formatTable(r), /goodput 200\/s/);
});

test('--affinity: each shared prefix goes to one URL; a workload without prefixes is refused', async (t) => {
  const seen: Array<Set<string>> = [new Set(), new Set()];
  const servers = await Promise.all(
    [0, 1].map((i) =>
      startFakeOpenAI((_n, body) => {
        seen[i].add((body.messages as Array<{ content: string }>)[0].content.slice(0, 20));
        return {};
      }),
    ),
  );
  t.after(() => Promise.all(servers.map((s) => s.close())));
  const workload = 'shared-prefix:prefixes=4,users=16,systemWords=20';
  const r = await runBench(base(servers[0].url, { urls: servers.map((s) => s.url), workload, affinity: true }));
  assert.equal(r.summary.completed, 60);
  assert.equal(seen[0].size + seen[1].size, 4, 'no prefix went to both URLs');
  assert.ok(seen[0].size === 2 && seen[1].size === 2, 'prefixes k and k+2 share a URL');
  assert.throws(
    () => runBench(base(servers[0].url, { affinity: true })),
    /--affinity: workload chat-short has no shared prefixes/,
  );
});
