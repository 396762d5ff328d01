/**
 * Watches the gateway process from outside, as an operator's supervisor would: its exit (a crash is any exit
 * the harness did not ask for; the gateway is then restarted on the same port so the soak goes on and every
 * crash is counted), its resident set size from /proc every second, the latency of GET /health/liveness every
 * probe interval (event-loop lag as a client sees it), and prom-client's own event-loop lag gauges from
 * /metrics (each scrape covers the time since the previous one).
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { Proc, ProcGroup } from '../harness/procs.ts';

/** How long a stopped gateway may take to drain and exit. */
const STOP_BOUND_MS = 40_000;

export interface Crash {
  /** ms from the start of good traffic. */
  atMs: number;
  code: number | null;
  signal: string | null;
  /** The gateway's last output lines. */
  output: string;
}

export interface Downtime {
  fromMs: number;
  /** When the restarted gateway accepted connections again (the end of the run if it never did). */
  toMs: number;
}

export interface LagScrape {
  atMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface MonitorOptions {
  procs: ProcGroup;
  configFile: string;
  now: () => number;
  log: (m: string) => void;
  probeIntervalMs: number;
  scrapeIntervalMs: number;
}

export class GatewayMonitor {
  readonly crashes: Crash[] = [];
  readonly downtimes: Downtime[] = [];
  /** [ms, kB] resident set samples; `pids` says which process each belongs to. */
  readonly rss: Array<[number, number]> = [];
  readonly rssPids: number[] = [];
  /** [ms, latency ms] of liveness probes; NaN latency = no 200 within the probe's timeout. */
  readonly probes: Array<[number, number]> = [];
  readonly lag: LagScrape[] = [];
  /** How the gateway exited when the harness stopped it (SIGTERM): its drain. */
  finalExit: { code: number | null; signal: string | null } | undefined;
  proc!: Proc;
  private port = 0;
  private stopping = false;
  /** Set while a crashed gateway is being restarted. */
  private restarting: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private probePool: Pool | undefined;
  private readonly o: MonitorOptions;

  constructor(o: MonitorOptions) {
    this.o = o;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = await this.spawn();
    this.port = this.proc.port;
    this.probePool = new Pool(this.url, { connections: 1 });
  }

  /** Starts sampling; call when good traffic starts, so the clock is the traffic's. */
  sample(): void {
    this.timers.push(
      setInterval(() => this.sampleRss(), 1000),
      setInterval(() => void this.probe(), this.o.probeIntervalMs),
      setInterval(() => void this.scrapeLag(), this.o.scrapeIntervalMs),
    );
    this.sampleRss();
  }

  stopSampling(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** The gateway's /metrics text. */
  async metrics(): Promise<string> {
    const r = await this.probePool!.request({
      path: '/metrics',
      method: 'GET',
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    return r.body.text();
  }

  async stop(): Promise<void> {
    this.stopSampling();
    this.stopping = true;
    await this.probePool?.destroy();
    // SIGTERM and the gateway's own drain (its drain delay and grace), bounded; ProcGroup.stop would SIGKILL
    // after 3 s, which is not a drain.
    process.kill(this.proc.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), STOP_BOUND_MS)));
    this.finalExit = (await Promise.race([this.proc.exited, bounded])) ?? {
      code: null,
      signal: `still running after ${STOP_BOUND_MS} ms`,
    };
    clearTimeout(timer);
    await this.o.procs.stop(this.proc);
    for (const d of this.downtimes) if (d.toMs === Infinity) d.toMs = this.o.now();
  }

  private async spawn(): Promise<Proc> {
    const extra = this.port ? { port: this.port } : {};
    const proc = await this.o.procs.spillway('spillway', 'serve', ['--config', this.o.configFile], undefined, extra);
    void proc.exited.then((e) => this.onExit(proc, e));
    return proc;
  }

  /** Resolves once the gateway is up (at once, unless a crashed one is being restarted). */
  async whenUp(): Promise<void> {
    while (this.restarting) await this.restarting;
  }

  private onExit(proc: Proc, e: { code: number | null; signal: NodeJS.Signals | null }): void {
    if (this.stopping) return;
    this.restarting = this.restart(proc, e).finally(() => (this.restarting = undefined));
  }

  private async restart(proc: Proc, e: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    const atMs = this.o.now();
    this.crashes.push({ atMs, code: e.code, signal: e.signal, output: proc.output().slice(-1500) });
    const down: Downtime = { fromMs: atMs, toMs: Infinity };
    this.downtimes.push(down);
    this.o.log(`GATEWAY EXITED (code ${e.code}, signal ${e.signal}) at ${(atMs / 1000).toFixed(1)} s; restarting`);
    await this.o.procs.stop(proc);
    for (;;) {
      try {
        this.proc = await this.spawn();
        break;
      } catch (err) {
        if (this.stopping) return;
        this.o.log(`gateway restart failed, retrying: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    down.toMs = this.o.now();
  }

  private sampleRss(): void {
    const pid = this.proc.pid;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (!m) return;
      this.rss.push([this.o.now(), Number(m[1])]);
      this.rssPids.push(pid);
    } catch {
      // No /proc (not Linux), or the process is gone between its exit and the restart.
    }
  }

  private async probe(): Promise<void> {
    const at = this.o.now();
    const t = performance.now();
    try {
      const r = await this.probePool!.request({
        path: '/health/liveness',
        method: 'GET',
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      await r.body.dump();
      this.probes.push([at, r.statusCode === 200 ? performance.now() - t : NaN]);
    } catch {
      if (!this.stopping) this.probes.push([at, NaN]);
    }
  }

  private async scrapeLag(): Promise<void> {
    const atMs = this.o.now();
    try {
      const text = await this.metrics();
      const gauge = (name: string) => {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        return m ? Number(m[1]) * 1000 : NaN;
      };
      this.lag.push({
        atMs,
        p50Ms: gauge('nodejs_eventloop_lag_p50_seconds'),
        p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'),
        maxMs: gauge('nodejs_eventloop_lag_max_seconds'),
      });
    } catch {
      // A scrape that fails (gateway down) leaves a gap; the probes and crashes say why.
    }
  }
}
