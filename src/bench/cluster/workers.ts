/**
 * Scenario 5: `spillway serve --workers 2` against 1 worker in one run, in front of the mock: max req/s with
 * wrk (closed loop, fixed connections) and the gateway process's CPU per request, read from /proc (every
 * worker thread is in the one process). On a 2-core machine wrk and the mock share the cores with the workers.
 */
import { type CpuWindow, cpuMark, cpuSince } from '../../util/cpu-window.ts';
import type { ScenarioContext } from '../harness/scenario.ts';
import { runWrk } from '../harness/wrk.ts';
import { chatBody } from './drive.ts';
import { startGateways } from './gateways.ts';

export interface WorkersOptions {
  workers: readonly number[];
  durationS: number;
  connections: number;
}

export interface WorkersRow {
  workers: number;
  rps: number;
  requests: number;
  non2xx: number;
  cpuUsPerReq: number | undefined;
  window: CpuWindow;
}

export async function workersRuns(ctx: ScenarioContext, o: WorkersOptions): Promise<WorkersRow[]> {
  const rows: WorkersRow[] = [];
  for (const workers of o.workers) {
    const mock = await ctx.procs.spillway('mock', 'mock', []);
    const fleet = {
      routing: 'simple-shuffle',
      upstreams: [{ group: 'fake', model: 'openai/fake', apiBase: `${mock.url}/v1`, id: 'mock' }],
    };
    const [gw] = await startGateways(ctx, fleet, { name: `workers-${workers}`, count: 1, workers });
    const mark = cpuMark(gw.pid);
    const wrk = await runWrk({
      url: `${gw.url}/v1/chat/completions`,
      body: chatBody('fake'),
      durationS: o.durationS,
      connections: o.connections,
    });
    const window = cpuSince(mark);
    await ctx.procs.stopAll();
    const done = wrk.requests - wrk.non2xx;
    const cpuUsPerReq =
      window.procCpuS !== undefined && done > 0 ? Math.round((window.procCpuS * 1e6) / done) : undefined;
    ctx.log(`workers ${workers}: ${wrk.rps.toFixed(0)} req/s, ${cpuUsPerReq ?? '?'} µs CPU/req, non-2xx ${wrk.non2xx}`);
    rows.push({ workers, rps: Math.round(wrk.rps), requests: wrk.requests, non2xx: wrk.non2xx, cpuUsPerReq, window });
  }
  return rows;
}
