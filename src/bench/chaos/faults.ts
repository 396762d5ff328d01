/**
 * Runs the fault schedule: each window at its time (or as soon as the previous one is over), one injector per
 * kind, each returning what it did and saw. Windows record when they really started and ended; the report
 * attributes losses against those times.
 */
import { seededRandom } from '../../util/random.ts';
import { type BadOutcome, badCases, sendBad } from './bad-requests.ts';
import { abortingClients, idleFlood, slowReaders } from './clients.ts';
import { type ChaosFleet, GROUPS, MOCK_GROUP, SIM_GROUP } from './fleet.ts';
import type { GatewayMonitor } from './monitor.ts';
import type { FaultKind, FaultWindow, Schedule } from './schedule.ts';

export interface FaultResult {
  id: number;
  kind: FaultKind;
  /** When it really started and ended, ms from the start of good traffic. */
  startMs: number;
  endMs: number;
  /** The engine or mock deployment it hit, when it hit one. */
  target?: string;
  /** engine_kill: when the engine died and when its replacement accepted connections. */
  killedAtMs?: number;
  restartedAtMs?: number;
  /** Gateway exits during the window. */
  crashes: number;
  detail: unknown;
}

export interface FaultContext {
  fleet: ChaosFleet;
  monitor: GatewayMonitor;
  schedule: Schedule;
  seed: number;
  now: () => number;
  log: (m: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export async function runSchedule(ctx: FaultContext): Promise<FaultResult[]> {
  const results: FaultResult[] = [];
  const random = seededRandom(ctx.seed ^ 0x5eed);
  for (const w of ctx.schedule.windows) {
    await sleep(w.atMs - ctx.now());
    await ctx.monitor.whenUp();
    const crashesBefore = ctx.monitor.crashes.length;
    const r: FaultResult = { id: w.id, kind: w.kind, startMs: ctx.now(), endMs: NaN, crashes: 0, detail: undefined };
    ctx.log(`fault #${w.id} ${w.kind} (target ${w.target})`);
    await inject(w, r, ctx, random);
    r.endMs = ctx.now();
    r.crashes = ctx.monitor.crashes.length - crashesBefore;
    results.push(r);
  }
  return results;
}

async function inject(w: FaultWindow, r: FaultResult, ctx: FaultContext, random: () => number): Promise<void> {
  const { fleet, monitor } = ctx;
  const it = ctx.schedule.intensity;
  const until = (ms: number) => sleep(r.startMs + w.durationMs - ctx.now() + ms);
  switch (w.kind) {
    case 'engine_kill': {
      const engine = fleet.engines[w.target];
      r.target = engine.id;
      r.killedAtMs = ctx.now();
      await engine.kill();
      await engine.restart();
      r.restartedAtMs = ctx.now();
      return until(0);
    }
    case 'upstream_stall':
    case 'upstream_reset':
    case 'upstream_5xx':
    case 'upstream_429': {
      const mock = fleet.mocks[w.target];
      r.target = fleet.mockIds[w.target];
      const before = mock.stats.failed;
      mock.setFault(
        w.kind === 'upstream_stall'
          ? { kind: 'stall', ms: it.stallMs }
          : w.kind === 'upstream_reset'
            ? { kind: 'reset' }
            : w.kind === 'upstream_5xx'
              ? { kind: 'status', status: 500 }
              : { kind: 'status', status: 429, retryAfterS: it.retryAfterS },
      );
      await until(0);
      mock.setFault(undefined);
      r.detail = { faultedRequests: mock.stats.failed - before };
      return;
    }
    case 'slow_clients':
      r.target = SIM_GROUP;
      r.detail = await slowReaders(portOf(monitor.url), SIM_GROUP, it.slowClients, w.durationMs);
      return;
    case 'aborting_clients':
      r.detail = await abortingClients(monitor.url, GROUPS, it.abortsPerS, w.durationMs, random);
      return;
    case 'idle_flood':
      r.detail = await idleFlood(portOf(monitor.url), it.floodSockets, w.durationMs);
      return;
    case 'bad_requests': {
      r.target = MOCK_GROUP;
      const outcomes: Array<BadOutcome & { crashedGateway: boolean }> = [];
      // The mock group for every case; the first (a prompt nested 12k deep) also for the engines' group.
      const sim = badCases(SIM_GROUP)
        .slice(0, 1)
        .map((c) => ({ ...c, name: `${c.name}, ${SIM_GROUP}` }));
      for (const c of [...badCases(MOCK_GROUP), ...sim]) {
        await monitor.whenUp();
        const crashes = monitor.crashes.length;
        const o = await sendBad(monitor.url, c, 5000);
        // A crash shows as a cut connection first and the process's exit a moment later.
        if (o.status === 0) await waitFor(() => monitor.crashes.length > crashes, 1000);
        const crashedGateway = monitor.crashes.length > crashes;
        if (crashedGateway) ctx.log(`  bad request "${c.name}" → gateway exited`);
        outcomes.push({ ...o, crashedGateway });
      }
      r.detail = outcomes;
      await monitor.whenUp();
      return until(0);
    }
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Polls `cond` every 20 ms for at most `ms`: the exit event of another process has no handle here to await. */
async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(20);
}
