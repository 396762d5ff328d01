/**
 * The slo limit's measurements (./slo.ts says what it decides from them): the open window's sums, and the
 * closed windows' ITL history that a request's TPOT is compared against.
 */
import type { LimitSample } from './types.ts';

/** What one window saw, summed; `close` starts the next one. */
export class SloWindow {
  start = NaN;
  events = 0;
  inFlightSum = 0;
  maxInFlight = 0;
  dropped = false;
  firsts = 0;
  ttftSum = 0;
  floorSum = 0;
  floorMax = 0;
  /** Non-streamed completions: their whole latency and their floor. */
  wholes = 0;
  wholeSum = 0;
  wholeFloorSum = 0;
  gapSum = 0;
  tokenCount = 0;
  /** Distinct engine reports seen, and the least waiting count over the events that had a fresh one. */
  reports = 0;
  lastReport = NaN;
  minWaiting = Infinity;
  runningSum = 0;
  reportEvents = 0;

  event(now: number, s: LimitSample): void {
    if (this.events === 0) this.start = now;
    this.events++;
    this.inFlightSum += s.inFlight;
    if (s.inFlight > this.maxInFlight) this.maxInFlight = s.inFlight;
    if (s.waiting === s.waiting) {
      this.reportEvents++;
      this.runningSum += s.running;
      if (s.waiting < this.minWaiting) this.minWaiting = s.waiting;
      if (s.reportSeq !== this.lastReport) {
        this.lastReport = s.reportSeq;
        this.reports++;
      }
    } else {
      // A stretch without a fresh report: no standing queue can be shown for this window.
      this.minWaiting = 0;
    }
  }

  close(): void {
    this.events = this.inFlightSum = this.maxInFlight = this.firsts = this.ttftSum = this.floorSum = this.floorMax = 0;
    this.wholes = this.wholeSum = this.wholeFloorSum = this.gapSum = this.tokenCount = 0;
    this.reports = this.reportEvents = this.runningSum = 0;
    this.minWaiting = Infinity;
    this.lastReport = NaN;
    this.dropped = false;
  }
}

/** Closed windows remembered for a request's lifetime mean ITL (≥ 10 steps each: a 300-token decode or more). */
const HISTORY = 32;
/** Per closed window: its end, ITL gap sum, tokens, in-flight sum, events. */
const FIELDS = 5;

/** The last HISTORY closed windows, in a ring: the engine's ITL over any recent span, e.g. one request's decode. */
export class ItlHistory {
  /** The mean in-flight over the span of the last `since`. */
  n = NaN;
  private readonly ring = new Float64Array(FIELDS * HISTORY).fill(NaN);
  private at = 0;

  record(now: number, w: SloWindow): void {
    const h = this.ring;
    const i = this.at * FIELDS;
    h[i] = now;
    h[i + 1] = w.gapSum;
    h[i + 2] = w.tokenCount;
    h[i + 3] = w.inFlightSum;
    h[i + 4] = w.events;
    this.at = (this.at + 1) % HISTORY;
  }

  /** The engine's mean ITL since `from` (the closed windows that end after it, and the open one `w`). */
  since(from: number, w: SloWindow): number {
    let gap = w.gapSum;
    let tokens = w.tokenCount;
    let inFlight = w.inFlightSum;
    let events = w.events;
    const h = this.ring;
    for (let k = 1; k <= HISTORY; k++) {
      const i = ((this.at - k + HISTORY) % HISTORY) * FIELDS;
      if (!(h[i] > from)) break;
      gap += h[i + 1];
      tokens += h[i + 2];
      inFlight += h[i + 3];
      events += h[i + 4];
    }
    this.n = events > 0 ? inFlight / events : NaN;
    return tokens > 0 ? gap / tokens : NaN;
  }
}
