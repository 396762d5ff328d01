/**
 * Preloaded into a proxy under test (`node --import bench/probes/proxy-time.ts ...`): measures, per request, the
 * time spent inside the proxy — from the request's arrival to its response's end, minus the time between the
 * upstream request's dispatch and its response's end — through the diagnostics channels that node:http and undici
 * publish, so the bare proxy and Spillway are measured by the same code and neither is changed.
 *
 * It answers SIGUSR2 by writing `{seq, n, p50, p90, p99, upstream: {n, p50, p90, p99}}` (ms, since the previous
 * answer; `upstream` is the dispatch → upstream response end part left out of the inside time) to the file named by
 * SPILLWAY_PROBE_FILE, then starting afresh. Upstream requests are matched to client requests in arrival order,
 * which is exact for the one-at-a-time traffic of the fixed-rate probes and approximate under concurrency.
 */
import dc from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { finiteSorted, percentile } from '../../src/bench/percentiles.ts';

interface Timing {
  arrival: number;
  dispatched?: number;
  upstreamDone?: number;
  upstream?: object;
}

const file = process.env.SPILLWAY_PROBE_FILE;
const open = new Map<object, Timing>();
const waiting: Timing[] = [];
const byUpstream = new Map<object, Timing>();
let inside: number[] = [];
let upstream: number[] = [];
let seq = 0;

dc.subscribe('http.server.request.start', (m) => {
  const t: Timing = { arrival: performance.now() };
  open.set((m as { request: object }).request, t);
  waiting.push(t);
});
dc.subscribe('undici:request:create', (m) => {
  const t = waiting.shift();
  if (t === undefined) return;
  t.dispatched = performance.now();
  byUpstream.set((m as { request: object }).request, t);
});
dc.subscribe('undici:request:trailers', (m) => {
  const up = (m as { request: object }).request;
  const t = byUpstream.get(up);
  if (t === undefined) return;
  byUpstream.delete(up);
  t.upstreamDone = performance.now();
});
dc.subscribe('http.server.response.finish', (m) => {
  const req = (m as { request: object }).request;
  const t = open.get(req);
  open.delete(req);
  if (t === undefined) return;
  // Answered without an upstream request (a refusal): it must not take the next request's upstream.
  if (t.dispatched === undefined && waiting.includes(t)) waiting.splice(waiting.indexOf(t), 1);
  if (t.dispatched === undefined || t.upstreamDone === undefined) return;
  inside.push(performance.now() - t.arrival - (t.upstreamDone - t.dispatched));
  upstream.push(t.upstreamDone - t.dispatched);
});

process.on('SIGUSR2', () => {
  if (file === undefined) return;
  writeFileSync(file, JSON.stringify({ seq: ++seq, ...percentiles(inside), upstream: percentiles(upstream) }));
  inside = [];
  upstream = [];
});

function percentiles(xs: number[]) {
  const s = finiteSorted(xs);
  const q = (p: number) => (s.length === 0 ? null : percentile(s, p));
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}
