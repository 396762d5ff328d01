import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrk } from './wrk.ts';

test('parses a wrk --latency report', () => {
  const r = parseWrk(`Running 2s test @ http://127.0.0.1:1/v1/chat/completions
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.42ms  800.00us  12.00ms   90.00%
    Req/Sec    14.70k     1.20k   16.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    3.50ms
     90%    4.10ms
     99%    1.20s
  29400 requests in 2.00s, 12.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  14700.25
Transfer/sec:      6.00MB
`);
  assert.equal(r.requests, 29400);
  assert.equal(r.rps, 14700.25);
  assert.deepEqual(r.latencyMs, { p50: 0.85, p75: 3.5, p90: 4.1, p99: 1200 });
  assert.equal(r.non2xx, 7);
  assert.equal(r.socketErrors, 3);
});
