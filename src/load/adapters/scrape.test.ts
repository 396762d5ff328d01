import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { EngineLoad } from '../engine-load.ts';
import type { LoadReport, ReportSink, SampleMark } from '../report.ts';
import { vllmReport } from './engine-metrics.ts';
import { ScrapeAdapter } from './scrape.ts';

/** An EngineLoad whose deliveries can be awaited. */
class WatchedSink implements ReportSink {
  readonly engine = new EngineLoad({ id: 'e', clock: () => performance.now() });
  readonly id = 'e';
  private waiters: (() => void)[] = [];
  markSample(): SampleMark {
    return this.engine.markSample();
  }
  report(r: LoadReport, mark: SampleMark): void {
    this.engine.report(r, mark);
    this.notify();
  }
  reportFailed(): void {
    this.engine.reportFailed();
    this.notify();
  }
  reportLost(): void {
    this.engine.reportLost();
    this.notify();
  }
  /** Resolves when reports + failures reach n. */
  until(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.engine.reports + this.engine.reportFailures >= n) resolve();
        else this.waiters.push(check);
      };
      check();
    });
  }
  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

async function serve(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

const METRICS = (running: number) => `vllm:num_requests_running{engine="0"} ${running}
vllm:num_requests_waiting{engine="0"} 1
vllm:kv_cache_usage_perc{engine="0"} 0.5
vllm:cache_config_info{block_size="16",engine="0",num_gpu_blocks="400"} 1
`;

test('scrapes /metrics on an interval over one kept-alive connection and delivers each report', async () => {
  let scrapes = 0;
  const sockets = new Set<unknown>();
  const { server, url } = await serve((req, res) => {
    sockets.add(req.socket);
    assert.equal(req.url, '/metrics');
    res.end(METRICS(++scrapes));
  });
  const sink = new WatchedSink();
  const adapter = new ScrapeAdapter({ kind: 'vllm', url, sink, mapping: vllmReport, intervalMs: 5 });
  adapter.start();
  await sink.until(3);
  await adapter.stop();
  server.close();
  assert.equal(sink.engine.reportFailures, 0);
  assert.ok(sink.engine.reports >= 3);
  assert.equal(sockets.size, 1);
  assert.equal(sink.engine.kvBlocksTotal, 400);
  assert.equal(sink.engine.kvBlocksUsed(), 200);
  assert.equal(sink.engine.inFlight(), sink.engine.lastReport!.running! + 1);
  assert.equal(sink.engine.isReportFresh(), true);
});

test('an error status, a refused connection and a timeout are counted failures, not reports', async () => {
  let mode: 'ok' | 'error' | 'hang' = 'ok';
  const { server, url } = await serve((_req, res) => {
    if (mode === 'ok') res.end(METRICS(2));
    else if (mode === 'error') {
      res.statusCode = 500;
      res.end('boom');
    } // hang: never answers
  });
  const sink = new WatchedSink();
  const adapter = new ScrapeAdapter({ kind: 'vllm', url, sink, mapping: vllmReport, timeoutMs: 50 });
  await adapter.scrapeOnce();
  assert.equal(sink.engine.reports, 1);
  mode = 'error';
  await adapter.scrapeOnce();
  mode = 'hang';
  await adapter.scrapeOnce();
  assert.equal(sink.engine.reportFailures, 2);
  await adapter.stop();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');

  const refused = new ScrapeAdapter({ kind: 'vllm', url, sink, mapping: vllmReport });
  await refused.scrapeOnce();
  await refused.stop();
  assert.equal(sink.engine.reportFailures, 3);
  assert.equal(sink.engine.reports, 1);
});

test('stop() during a scrape ends it and schedules nothing more', async () => {
  let requests = 0;
  const { server, url } = await serve(() => {
    requests++; // never answers
  });
  const arrived = once(server, 'request');
  const sink = new WatchedSink();
  const adapter = new ScrapeAdapter({ kind: 'vllm', url, sink, mapping: vllmReport, intervalMs: 1 });
  adapter.start();
  await arrived;
  await adapter.stop();
  assert.equal(sink.engine.reportFailures, 1);
  assert.equal(requests, 1);
  server.closeAllConnections();
  server.close();
});
