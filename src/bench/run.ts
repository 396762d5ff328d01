/**
 * The load generator. Open loop: requests start on a seeded arrival schedule whatever the server does (latency is
 * measured from dispatch, and how late each dispatch was against its schedule is recorded, so a lagging generator
 * shows instead of hiding as coordinated omission). Closed loop: N users, each sending, waiting for the answer,
 * thinking a random time in [A, B], like locust.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Pool } from 'undici';
import { type Random, seededRandom } from '../util/random.ts';
import { arrivalGaps } from './arrivals.ts';
import type { LiveStats } from './live.ts';
import type { BenchOptions } from './options.ts';
import { endpointUrl } from './options.ts';
import { percentile } from './percentiles.ts';
import { Recorder } from './recorder.ts';
import { isRejection, RequestHandler, type RequestListener } from './request.ts';
import type { BenchResult } from './result.ts';
import { summarize } from './summary.ts';
import { createWorkload } from './workloads/index.ts';
import type { Workload } from './workloads/types.ts';

export interface RunHooks {
  /** Called about once a second while the run is going. */
  onTick?: (live: LiveStats) => void;
  /** Aborting stops new arrivals at once; in-flight requests get the usual grace. */
  signal?: AbortSignal;
}

/** Event-loop delay p99 above this (ms) makes the generator's own timing suspect. */
const LAG_WARN_MS = 20;
/** Open-loop dispatch lateness p99 above this (ms) means the generator could not keep its schedule. */
const LATENESS_WARN_MS = 5;
/** monitorEventLoopDelay samples with a timer of this period and reports the whole period, so it is subtracted. */
const LAG_RESOLUTION_MS = 10;
const lagMs = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);

interface Target {
  pool: Pool;
  path: string;
}

export function runBench(opts: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  return new BenchRun(opts, hooks).run();
}

class BenchRun implements RequestListener {
  private readonly opts: BenchOptions;
  private readonly hooks: RunHooks;
  private readonly rec = new Recorder();
  /** Where warm-up requests are recorded, to be thrown away. */
  private readonly warmRec = new Recorder();
  private readonly targets: Target[];
  private readonly headers: Record<string, string>;
  private readonly workload: Workload;
  private readonly random: Random;
  private readonly lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private readonly warnings: string[] = [];
  private t0 = 0;
  private next = 0; // round-robin cursor over targets
  private inFlight = 0;
  private maxInFlight = 0;
  private maxClientQueued = 0;
  private thinkLo = 0;
  private thinkHi = 0;
  private arrivalsOver = false;
  private timers = new Set<NodeJS.Timeout>();
  private resolveDone: () => void = () => {};
  // Progress window, reset every tick.
  private winStarted = 0;
  private winFinished = 0;
  private winRejected = 0;
  private winErrors = 0;
  private winTtft: number[] = [];

  constructor(opts: BenchOptions, hooks: RunHooks) {
    this.opts = opts;
    this.hooks = hooks;
    this.random = seededRandom(opts.seed);
    this.workload = createWorkload(opts.workload, {
      model: opts.model,
      stream: opts.stream,
      random: this.random,
      ...(opts.maxTokens !== undefined && { maxTokens: opts.maxTokens }),
    });
    if (opts.urls.length === 0) throw new Error('at least one --url is needed');
    if (opts.affinity && !this.workload.prefixKey)
      throw new Error(`--affinity: workload ${opts.workload} has no shared prefixes`);
    this.targets = opts.urls.map((raw) => {
      const url = endpointUrl(raw);
      const pool = new Pool(url.origin, { connections: opts.connections, keepAliveTimeout: 30_000 });
      return { pool, path: url.pathname + url.search };
    });
    this.headers = { 'content-type': 'application/json' };
    if (opts.apiKey) this.headers.authorization = `Bearer ${opts.apiKey}`;
    if (opts.headers) Object.assign(this.headers, opts.headers);
  }

  async run(): Promise<BenchResult> {
    const startedAt = new Date();
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    await this.warmUp();
    const { load, durationMs, warmupMs } = this.opts;
    // t0 is the start of the measured window; the warm-up runs the same load before it, unrecorded.
    this.t0 = performance.now() + warmupMs;
    this.lag.enable();
    let cpuAtT0 = process.cpuUsage();
    if (warmupMs > 0)
      this.later(() => {
        this.lag.reset();
        cpuAtT0 = process.cpuUsage();
      }, warmupMs);
    const ticker = setInterval(() => this.tick(), 1000);
    const endArrivals = () => {
      if (this.arrivalsOver) return;
      this.arrivalsOver = true;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      // Whatever is still running after its own timeout (plus a margin) is cut off, so a run is bounded.
      this.later(() => void this.destroyPools(), this.opts.timeoutMs + 2000);
      if (this.inFlight === 0) this.resolveDone();
    };
    this.hooks.signal?.addEventListener('abort', endArrivals, { once: true });
    if (this.hooks.signal?.aborted) endArrivals();
    this.later(endArrivals, warmupMs + durationMs);

    if (load.kind === 'open') this.openLoop(arrivalGaps(load.arrival, load.rate, this.random));
    else this.closedLoop(load.users, load.thinkMs);

    await done;
    const wallMs = performance.now() - this.t0;
    const cpu = process.cpuUsage(cpuAtT0);
    clearInterval(ticker);
    for (const t of this.timers) clearTimeout(t);
    this.lag.disable();
    await Promise.all(this.targets.map((t) => t.pool.close().catch(() => {})));
    const lagP99Ms = lagMs(this.lag.percentile(99));
    const lagMaxMs = lagMs(this.lag.max);
    const result = summarize(this.rec, this.opts, {
      startedAt,
      wallMs,
      lagP99Ms,
      lagMaxMs,
      maxInFlight: this.maxInFlight,
      maxClientQueued: this.maxClientQueued,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      warnings: this.warnings,
    });
    const g = result.summary.generator;
    if (lagP99Ms > LAG_WARN_MS)
      this.warnings.push(
        `generator event loop lagged (p99 ${lagP99Ms.toFixed(1)} ms): its latency figures are inflated`,
      );
    if (load.kind === 'open' && g.dispatchLatenessP99Ms > LATENESS_WARN_MS)
      this.warnings.push(`generator fell behind its schedule (dispatch lateness p99 ${g.dispatchLatenessP99Ms} ms)`);
    if (g.maxClientQueued > 0)
      this.warnings.push(`up to ${g.maxClientQueued} requests waited for a client connection: raise --connections`);
    return result;
  }

  /**
   * One throwaway GET per target before the clock starts: the first request compiles undici's HTTP parser
   * (WebAssembly) and opens a connection, a stall of tens of ms that would otherwise land on the first arrivals.
   */
  private async warmUp(): Promise<void> {
    await Promise.all(
      this.targets.map((t) =>
        t.pool
          .request({ path: t.path, method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 })
          .then((r) => r.body.dump())
          .catch(() => {}),
      ),
    );
  }

  private openLoop(nextGap: () => number): void {
    let due = -this.opts.warmupMs; // ms since t0 of the next arrival
    const fire = () => {
      if (this.arrivalsOver) return;
      const now = performance.now() - this.t0;
      while (due <= now && due < this.opts.durationMs) {
        if (this.inFlight >= this.opts.maxInFlight) this.refuse(now);
        else this.send(undefined, now - due);
        due += nextGap();
      }
      if (due < this.opts.durationMs) this.later(fire, due - now);
    };
    fire();
  }

  private closedLoop(users: number, [thinkLo, thinkHi]: readonly [number, number]): void {
    // Users start spread over one think time, as locust's ramp would, instead of all in the same millisecond.
    this.thinkLo = thinkLo;
    this.thinkHi = thinkHi;
    for (let u = 0; u < users; u++) this.later(() => this.send(u, 0), this.random() * thinkHi);
  }

  private send(user: number | undefined, latenessMs: number): void {
    if (this.arrivalsOver) return;
    const t = performance.now();
    // Recorded by when it was due, so the measured window holds exactly its own arrivals.
    const rec = t - latenessMs < this.t0 ? this.warmRec : this.rec;
    const i = rec.open(t - this.t0, latenessMs);
    const handler = new RequestHandler(rec, i, t, this);
    handler.user = user ?? -1;
    const body = this.workload.next(user);
    let target: Target;
    if (this.opts.affinity) target = this.targets[this.workload.prefixKey!() % this.targets.length];
    else {
      target = this.targets[this.next];
      this.next = (this.next + 1) % this.targets.length;
    }
    this.inFlight++;
    this.winStarted++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    target.pool.dispatch(
      {
        path: target.path,
        method: 'POST',
        headers: this.headers,
        body,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      },
      handler,
    );
  }

  /** An arrival the generator would not send because too many are already in flight: counted, not hidden. */
  private refuse(now: number): void {
    const rec = now < 0 ? this.warmRec : this.rec;
    const i = rec.open(now, 0);
    rec.e2e[i] = 0;
    rec.setError(i, 'generator_in_flight_cap');
    this.winStarted++;
    this.winErrors++;
  }

  finished(index: number, handler: RequestHandler): void {
    this.inFlight--;
    this.winFinished++;
    const rec = handler.recorder;
    const status = rec.status[index];
    if (rec.error[index] !== 0) this.winErrors++;
    else if (isRejection(status)) this.winRejected++;
    else if (Number.isFinite(rec.ttft[index])) this.winTtft.push(rec.ttft[index]);
    if (handler.user >= 0 && !this.arrivalsOver) {
      const u = handler.user;
      const think = this.thinkLo + this.random() * (this.thinkHi - this.thinkLo);
      this.later(() => this.send(u, 0), think);
    }
    if (this.arrivalsOver && this.inFlight === 0) this.resolveDone();
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(t);
  }

  private tick(): void {
    // Requests waiting for a connection, counted only while a pool is at its connection cap (a request waits
    // a moment for its socket even in a pool with room, and that is not the client's limit).
    let queued = 0;
    for (const t of this.targets) {
      const stats = t.pool.stats;
      if (stats.connected >= this.opts.connections) queued += stats.pending;
    }
    if (queued > this.maxClientQueued) this.maxClientQueued = queued;
    const ttft = Float64Array.from(this.winTtft).sort();
    const live: LiveStats = {
      elapsedS: (performance.now() - this.t0) / 1000,
      startedPerS: this.winStarted,
      finishedPerS: this.winFinished,
      inFlight: this.inFlight,
      ttftP50: percentile(ttft, 0.5),
      ttftP99: percentile(ttft, 0.99),
      rejectedPerS: this.winRejected,
      errorsPerS: this.winErrors,
      lagP99Ms: lagMs(this.lag.percentile(99)),
      clientQueued: queued,
    };
    this.winStarted = this.winFinished = this.winRejected = this.winErrors = 0;
    this.winTtft = [];
    this.hooks.onTick?.(live);
  }

  private async destroyPools(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.pool.destroy().catch(() => {})));
  }
}
