/**
 * An attempt's slot on an engine, as back pressure holds it: the engine gate's in-flight slot and its class's
 * count there, from dispatch to its one end, with the stream timing the gate learns from (TTFT at the first
 * chunk, ITL per later chunk, and on the end the elapsed time and whether the engine dropped the attempt;
 * a completed attempt with no first chunk measured, a non-streamed one, gives its elapsed time as an upper
 * bound of its TTFT).
 */
import type { Priority } from '../../admission/priority.ts';
import type { Clock } from '../../util/clock.ts';
import type { Permit, PermitEnd } from '../../util/permit.ts';
import type { EngineSlot } from './engines.ts';

export class EnginePermit implements Permit {
  readonly slot: EngineSlot;
  private readonly priority: Priority;
  private readonly clock: Clock;
  readonly dispatchAt: number;
  firstAt = 0;
  /** The engine answered 2xx: only a response's time, not an error's, bounds a TTFT. */
  answered = false;
  private lastAt = 0;
  private outTokens = 0;
  /** Its place among the group's attempts in flight (../../routing/queue/departures.ts). */
  private readonly departure: number;

  constructor(slot: EngineSlot, priority: Priority, clock: Clock, now: number) {
    this.slot = slot;
    this.priority = priority;
    this.clock = clock;
    this.dispatchAt = now;
    slot.inFlightOf[priority]++;
    slot.gate.acquire();
    this.departure = slot.departures?.start(now) ?? -1;
  }

  /** The first body chunk, at `now`: the attempt's TTFT; the request arrived at `arrivalMs`. */
  firstToken(now: number, promptTokens: number, arrivalMs = this.dispatchAt): void {
    this.firstAt = now;
    this.lastAt = now;
    this.slot.gate.firstToken(now, now - this.dispatchAt, promptTokens, this.dispatchAt - arrivalMs);
  }

  /** A later chunk carrying `n` output tokens. */
  tokens(now: number, n: number): void {
    this.slot.gate.tokens(now, now - this.lastAt, n);
    this.outTokens += n;
    this.lastAt = now;
  }

  /** Mean ms per output token after the first; NaN before any. */
  get meanItlMs(): number {
    return this.outTokens > 0 ? (this.lastAt - this.firstAt) / this.outTokens : NaN;
  }

  end(how: PermitEnd): asserts this is never {
    const now = this.clock();
    const slot = this.slot;
    slot.inFlightOf[this.priority]--;
    const ttft = this.firstAt > 0 ? this.firstAt - this.dispatchAt : NaN;
    // A completed response without a measured first token (not streamed): its whole time bounds its TTFT.
    if (how === 'success' && this.answered && this.firstAt === 0) slot.gate.ttftBound(now, now - this.dispatchAt);
    slot.gate.release(now, how === 'dropped', now - this.dispatchAt, ttft, this.meanItlMs);
    slot.departures?.end(this.departure, now, how === 'success');
  }
}
