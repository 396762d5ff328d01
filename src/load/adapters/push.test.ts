import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { EngineLoad } from '../engine-load.ts';
import type { LoadReport, ReportSink, SampleMark } from '../report.ts';
import { PushAdapter, pushedReport } from './push.ts';

class RecordingSink implements ReportSink {
  readonly id = 'e';
  readonly engine = new EngineLoad({ id: 'e', clock: () => performance.now() });
  readonly reports: LoadReport[] = [];
  private next: ((r: LoadReport) => void) | undefined;
  markSample(): SampleMark {
    return this.engine.markSample();
  }
  report(r: LoadReport, mark: SampleMark): void {
    this.engine.report(r, mark);
    this.reports.push(r);
    this.next?.(r);
  }
  reportFailed(): void {
    this.engine.reportFailed();
  }
  reportLost(): void {
    this.engine.reportLost();
  }
  nextReport(): Promise<LoadReport> {
    return new Promise((resolve) => (this.next = resolve));
  }
}

test('the feed JSON maps to a report; garbage is ignored', () => {
  assert.deepEqual(
    pushedReport(
      '{"running":2,"waiting":1,"kvBlocksUsed":30,"kvBlocksTotal":100,"queuedPrefillTokens":500,"seq":4,"ts":1}',
    ),
    { running: 2, waiting: 1, kvBlocksUsed: 30, kvBlocksTotal: 100, blockSize: undefined, queuedPrefillTokens: 500 },
  );
  assert.equal(pushedReport('not json'), undefined);
  assert.equal(pushedReport('3'), undefined);
  assert.deepEqual(pushedReport('{"running":"x"}'), {
    running: undefined,
    waiting: undefined,
    kvBlocksUsed: undefined,
    kvBlocksTotal: undefined,
    blockSize: undefined,
    queuedPrefillTokens: undefined,
  });
});

test('subscribes to the SSE feed, reports each event, and reconnects when the feed drops', async () => {
  const streams: ServerResponse[] = [];
  const server = createServer((req, res) => {
    assert.equal(req.url, '/load/stream');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': hello\n\n');
    streams.push(res);
    server.emit('subscribed');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/load/stream`;
  const sink = new RecordingSink();
  const adapter = new PushAdapter({ url, sink });
  const subscribed = once(server, 'subscribed');
  adapter.start();
  await subscribed;

  let next = sink.nextReport();
  // One event split across two writes, and a second event in the same write as the first's end.
  streams[0].write('data: {"running":1,"waiting":0,');
  streams[0].write('"queuedPrefillTokens":10}\n\ndata: {"running":2}\n\n');
  assert.deepEqual(await next, {
    running: 1,
    waiting: 0,
    kvBlocksUsed: undefined,
    kvBlocksTotal: undefined,
    blockSize: undefined,
    queuedPrefillTokens: 10,
  });
  while (sink.reports.length < 2) await sink.nextReport();
  assert.equal(sink.reports[1].running, 2);

  const resubscribed = once(server, 'subscribed');
  assert.equal(sink.engine.isReportFresh(), true);
  streams[0].end(); // the engine restarts its feed
  await resubscribed;
  assert.equal(adapter.connections, 2);
  assert.equal(sink.engine.reportFailures, 1);
  assert.equal(sink.engine.isReportFresh(), false, 'a dropped feed is not trusted');
  next = sink.nextReport();
  streams[1].write('data: {"running":7,"waiting":3}\n\n');
  assert.equal((await next).running, 7);
  assert.equal(sink.engine.inFlight(), 10);

  await adapter.stop();
  server.closeAllConnections();
  server.close();
  assert.equal(adapter.events, 3);
});

test('stop() while waiting to reconnect ends the loop without another connection', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  await once(closed, 'close');
  const sink = new RecordingSink();
  let failed!: () => void;
  const failure = new Promise<void>((resolve) => (failed = resolve));
  sink.reportLost = () => failed();
  const adapter = new PushAdapter({ url: `http://127.0.0.1:${port}/load/stream`, sink });
  adapter.start();
  await failure; // refused: now backing off
  await adapter.stop();
  assert.equal(adapter.connections, 1);
});
