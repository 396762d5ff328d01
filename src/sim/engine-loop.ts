/**
 * Runs the scheduler in (scaled) real time with one timer per engine step.
 *
 * Engine time is wall time × speedup. A step planned at engine time t ends at t + duration; the timer is set
 * for that end. Timers fire late (1 ms granularity, a busy event loop), so the loop keeps the simulated timeline
 * exact instead of drifting: the next step starts at the previous step's end, not at the moment the timer
 * fired, and when several steps' ends are already past (a late timer, or sub-millisecond steps at a high
 * speedup) they are completed in the same callback. A request that arrived after a step's start is not
 * admitted into that step.
 */
import { type Clock, monotonicMs } from '../util/clock.ts';
import type { Scheduler } from './scheduler.ts';
import type { StepOutcome, StepPlan } from './scheduler-output.ts';
import type { Sequence } from './sequence.ts';

export interface EngineLoopOptions {
  scheduler: Scheduler;
  speedup: number;
  clock?: Clock;
  /** A step completed at engine time plan.end: write its tokens, record its metrics. */
  onStep(plan: StepPlan, outcome: StepOutcome): void;
  /** Requests rejected by the queue timeout at engine time `now`. */
  onExpired(seqs: Sequence[], now: number): void;
  /** The load changed (a step was planned or the engine went idle). */
  onChange(): void;
}

// Steps completed in one callback before yielding to I/O when the loop is far behind.
const MAX_STEPS_PER_CALLBACK = 2000;

export class EngineLoop {
  private readonly sched: Scheduler;
  private readonly speedup: number;
  private readonly clock: Clock;
  private readonly origin: number;
  private readonly opts: EngineLoopOptions;
  private inFlight: StepPlan | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** Engine time the next step may start at when the loop yielded while behind; -1 otherwise. */
  private resumeAt = -1;
  private closed = false;

  constructor(opts: EngineLoopOptions) {
    if (!(opts.speedup > 0)) throw new Error('speedup must be > 0');
    this.opts = opts;
    this.sched = opts.scheduler;
    this.speedup = opts.speedup;
    this.clock = opts.clock ?? monotonicMs;
    this.origin = this.clock();
  }

  /** Current engine time (ms). */
  now(): number {
    return (this.clock() - this.origin) * this.speedup;
  }

  /** Wall-clock milliseconds for an engine duration. */
  wallMs(engineMs: number): number {
    return engineMs / this.speedup;
  }

  /** A request arrived: start stepping if idle. */
  wake(): void {
    if (this.closed || this.inFlight !== null || this.timer !== null || this.immediate !== null) return;
    this.immediate = setImmediate(this.tick);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private readonly tick = (): void => {
    this.timer = null;
    this.immediate = null;
    if (this.closed) return;
    const now = this.now();
    let t: number;
    if (this.inFlight !== null) {
      const plan = this.inFlight;
      if (plan.end > now) return this.arm(plan.end - now);
      this.inFlight = null;
      this.complete(plan);
      t = plan.end;
    } else {
      t = this.resumeAt >= 0 ? this.resumeAt : now;
      this.resumeAt = -1;
    }
    for (let i = 0; i < MAX_STEPS_PER_CALLBACK; i++) {
      const plan = this.sched.planStep(t);
      if (plan !== null && plan.expired.length > 0) this.opts.onExpired(plan.expired, t);
      if (plan !== null && plan.seqs.length === 0 && plan.preemptions > 0) continue; // re-plan what is left
      if (plan === null || plan.seqs.length === 0) {
        // Nothing runnable at t. While catching up, requests that arrived after t may be waiting: go on from
        // the earliest of them (never later than now).
        const next = this.sched.hasWork ? Math.min(now, Math.max(t, this.sched.nextArrival())) : -1;
        if (next > t) {
          t = next;
          continue;
        }
        this.opts.onChange();
        return;
      }
      if (plan.end > now) {
        this.inFlight = plan;
        this.opts.onChange();
        return this.arm(plan.end - now);
      }
      this.complete(plan);
      t = plan.end;
    }
    // Far behind (event loop stalled): let I/O run, then continue from t.
    this.resumeAt = t;
    this.opts.onChange();
    this.immediate = setImmediate(this.tick);
  };

  private complete(plan: StepPlan): void {
    this.opts.onStep(plan, this.sched.completeStep(plan));
  }

  private arm(engineMs: number): void {
    this.timer = setTimeout(this.tick, engineMs / this.speedup);
  }
}
