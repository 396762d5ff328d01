/** Timers, injected like the clock so queue tests drive expiry by hand instead of sleeping. */
export interface Timers {
  set<A>(fn: (arg: A) => void, ms: number, arg: A): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms, arg) => {
    const t = setTimeout(fn, ms, arg);
    t.unref();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A hand-driven clock and timer wheel for tests: `advance(ms)` fires what falls due, in order. */
export class ManualTimers implements Timers {
  now = 0;
  private pending: { at: number; seq: number; fn: (arg: never) => void; arg: unknown; live: boolean }[] = [];
  private seq = 0;
  readonly clock = (): number => this.now;

  set<A>(fn: (arg: A) => void, ms: number, arg: A): unknown {
    const t = { at: this.now + Math.max(0, ms), seq: this.seq++, fn: fn as (arg: never) => void, arg, live: true };
    this.pending.push(t);
    return t;
  }

  clear(handle: unknown): void {
    if (handle !== undefined) (handle as { live: boolean }).live = false;
  }

  get size(): number {
    return this.pending.filter((t) => t.live).length;
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.pending.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      due.live = false;
      this.now = due.at;
      (due.fn as (arg: unknown) => void)(due.arg);
    }
    this.pending = this.pending.filter((t) => t.live);
    this.now = until;
  }
}
