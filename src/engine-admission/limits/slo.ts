/**
 * slo — a limit steered by the engine's own queue and by the group's SLOs, with TCP's slow start. Per window
 * (≥ window_min_ms and ≥ 10 engine steps, i.e. 10 × its mean ITL; closed by window_samples first tokens, or
 * after 5 × that span with any traffic; a drop closes it at once):
 *
 *   n          mean in-flight over the window's events;  tested = its highest in-flight reached ⌊limit⌋
 *   queueing   engine reports fresh: waiting ≥ 1 in every one of ≥ 3 distinct reports  (a standing queue)
 *              else: excess > 2 · step  and  > 5 ms,  excess = mean(TTFT − floor[band(prompt)])
 *              (step = the window's ITL, one engine step; no ITL: excess > the floor itself)
 *   pressure   latency modelled as floor + slope · n;  est = n · (target − floor) / (x − floor)
 *              ITL:  x = mean ITL over the last decode time (a request's TPOT averages that; the window's own
 *                    ITL when it is over the SLO itself), floor = the lowest window ITL if that window's
 *                    n was at most half of x's, else 0 (latency taken as proportional to n),
 *                    target = itl_slo / max(q-quantile of TPOT / the ITL of its decode,
 *                                           0.9-quantile of window ITL / that decode-long mean)
 *              TTFT: per request, the concurrency at which it would just have met the SLO,
 *                    n_i = in-flight at its first token · (ttft_slo − waited_i − floor_i) / (ttft_i − floor_i),
 *                    floor_i its prompt band's floor, waited_i what of its budget went before its dispatch (the
 *                    router queue); est = the (1 − q)-quantile of n_i (last ~64), over if < n
 *   dropped             → limit / 2,                                     ssthresh ← limit
 *   over (either)       → clamp(min est, limit / 2, limit),              ssthresh ← limit
 *   queueing            → clamp(reported running (else n · (1 − (excess − step) / TTFT)), limit / 2, limit)
 *   tested, below ssthresh  → min(2 · limit, est)      (slow start)
 *   tested                  → limit + clamp((est − limit) / 2, 1, √limit)
 *   ssthresh ← ∞ after 10 growing windows in a row (the capacity moved up: grow fast again)
 *
 * Why these signals (issue 11): gradient divides TTFT by a prompt-length factor and compares it with its
 * lowest window; with prompts of 200–3,000 tokens an ordinary window then scores ~0.64 of that floor and the
 * limit settled at ~11 where the engines serve 24 within the SLA. Here work and queueing are told apart:
 * - The engine's own waiting count is the queue, measured rather than inferred (Vegas' queue estimate, with
 *   the engine's count in place of limit · (1 − rtt_noload / rtt)). One report with waiting > 0 is not a
 *   queue: a request that arrives mid-step waits for the step to end, so a standing queue is required.
 *   Under one, the engine runs all it can, so its running count is its capacity: the limit goes there.
 * - Without reports, TTFT is compared with a floor per prompt-length band (powers of two from 256 tokens),
 *   so long prompts are not read as queueing. Within a band, a request still waits for the step under way
 *   and the band spans 2× in length, so only an excess above two steps counts; 5 ms is below any engine
 *   step, and latency differences that small are the gateway's own event loop, not an upstream queue.
 * - The SLOs bound what the engine may run, queue or not: on a decode-bound fleet ITL grows with the batch
 *   long before anything waits (issue 11 item 6: limits of 16–26 let ITL break and the breaker refused
 *   everyone). The affine model is llm-d's predicted-latency admission made minimal: predict latency at a
 *   concurrency from what was measured, admit up to where it meets the SLO. `est` errs toward caution when
 *   the floor is under-estimated, for growth and for the size of a cut. The SLA is judged per request, so
 *   the target leaves room for the measured spread of the per-request figure (quantile, default the SLA's
 *   99 %), each request compared with the ITL of its own decode: a ratio to a moving mean fed back on itself
 *   (a cut lowers the mean, older requests then look like a tail, which cuts again). The breaker judges 2 s
 *   windows, so the spread of the limit's shorter windows counts too, at 0.9 (their upper decile is about
 *   the breaker's worst window). A floor at or above its target cannot be fixed by admitting less, so that
 *   SLO is left to the breaker — but only a floor seen at a lower concurrency is one. An engine loaded from
 *   its first window never shows its unloaded ITL: its lowest window is the load's (measured on a
 *   decode-bound fleet at 3×: a floor of 19-22 ms at 9-11 in flight, over a 16.7 ms target, so the limit
 *   never cut and admitted streams ran at 23 ms TPOT against a 25 ms SLO, 78-84 % within it). Until a
 *   window at half the concurrency or less sets the floor, the estimate takes latency as proportional to n,
 *   which cuts less per window than the true affine model would and grows more cautiously.
 * - TTFT is judged per request, against the SLO itself: each first token says at what concurrency that request
 *   would just have made it (its load-induced part, TTFT above its band's floor, taken as proportional to the
 *   in-flight count), and the limit goes where all but 1 − q of them would. A mean TTFT against the SLO over
 *   the spread of TTFT / floor mixed two things: the ratio's tail is mostly how far a band's floor sits below
 *   its longer prompts and how low a quiet engine's floors are, so the target fell to a quarter of the SLO.
 *   Measured on the matrix's fleet #5 (17 slots, 525 batched tokens, 624 ms SLO) at 3× after 1×: the limit
 *   was cut for TTFT in every window at means of 150-300 ms against targets of 85-200 ms, and sat at 5-10 per
 *   engine while the admitted requests' TTFT p99 was 483 ms (goodput 0.78-0.85 C).
 * - Start and growth: TCP's slow start. While nothing has pushed back, a tested limit doubles each window
 *   (capped by the SLO estimate), so 16 reaches 2,048 in 7 windows in front of an upstream that does not
 *   queue (issue 11 item 4; a non-streamed response's whole latency is its signal). After a push-back,
 *   growth is additive: halfway to the SLO estimate, at least 1 and at most √limit (Netflix gradient's queue
 *   size) per window. Like gradient, only a window that reached the limit may raise it: an untested limit is
 *   a guess a burst would fill at once. Decreases need no test, and none goes below half per window.
 * - Drops halve the limit (gradient's rule: a 503/429 or a timeout says more than any latency).
 * Floors: a band's floor (and the ITL floor) follows a lower value at once and a higher one by 1/128 of the
 * gap per sample, so it is a low quantile that can rise after the engine slows for good, where a plain
 * minimum would judge it by its best day forever.
 */
import type { Clock } from '../../util/clock.ts';
import { RatioQuantile } from '../../util/ratio-quantile.ts';
import { ItlHistory, SloWindow } from './slo-window.ts';
import type { ConcurrencyLimit, LimitParams, LimitSample } from './types.ts';

const BANDS = 10;
/** Index of the floor for non-streamed completions: their whole latency, not a TTFT. */
const WHOLE = BANDS;
const FIRST_BAND_TOKENS = 256;
const FLOOR_DRIFT = 1 / 128;
/** How long a request decodes: an exponential average over ~32 requests. */
const MEAN_WEIGHT = 1 / 32;
/** The first tokens a window's TTFT is judged by: the last ~64 (a few windows: it must follow the limit). */
const TTFT_HORIZON = 64;
/** n_i is kept over 1/4 … 4,096 in flight; a request with no load-induced TTFT counts at the top. */
const ROOM_LOWEST_LOG2 = -2;
const ROOM_OCTAVES = 14;
/** Requests the tail ratios remember (~1/decay), and how many they need before they are trusted. */
const TAIL_HORIZON = 400;
const TAIL_MIN = 32;
/**
 * The SLO breaker trips on one 2 s window's mean ITL over the SLO (slo_window_ms). The limit's windows are
 * shorter (≥ 10 steps) and so spread wider: their upper decile is about the breaker's worst window.
 */
const WINDOW_QUANTILE = 0.9;
/** The ITL tail ratio assumed until measured: the simulator's p99/mean TPOT with mixed prompts (~1.3), rounded up. */
const TAIL_PRIOR = 1.5;
const QUEUE_STEPS = 2;
const QUEUE_FLOOR_MS = 5;
/** Distinct engine reports a standing queue must show in. */
const QUEUE_REPORTS = 3;
/** A window's ITL counts from this many tokens, its TTFT from this many first tokens. */
const MIN_TOKENS = 16;
const MIN_FIRSTS = 3;
const RESLOW_WINDOWS = 10;
/** A window spans at least this many engine steps (its mean ITL): one step's prefill chunk is not a trend. */
const WINDOW_STEPS = 10;

function band(tokens: number): number {
  if (!(tokens >= FIRST_BAND_TOKENS)) return 0;
  return Math.min(BANDS - 1, 1 + Math.floor(Math.log2(tokens / FIRST_BAND_TOKENS)));
}

/** n · (target − floor) / (x − floor): the concurrency at which x would meet its target; Infinity if none helps. */
function estimate(n: number, x: number, floor: number, target: number): number {
  if (target === Infinity || !(target > floor) || !(x > floor)) return Infinity;
  return (n * (target - floor)) / (x - floor);
}

function follow(floor: number, v: number): number {
  return floor === floor && v >= floor ? floor + (v - floor) * FLOOR_DRIFT : v;
}

export class SloLimit implements ConcurrencyLimit {
  readonly name = 'slo';
  limit: number;
  ssthresh = Infinity;
  /** Floors per prompt band (and WHOLE), ms; NaN until seen. */
  readonly floors = new Float64Array(BANDS + 1).fill(NaN);
  itlFloor = NaN;
  /** The mean in-flight of the window that set the ITL floor: a floor first seen under load includes load. */
  itlFloorN = NaN;
  /** Per first token, the concurrency at which it would just have met the TTFT SLO (n_i, module comment). */
  readonly ttftRoom = new RatioQuantile(TTFT_HORIZON, ROOM_LOWEST_LOG2, ROOM_OCTAVES);
  /** How far above the mean ITL of its decode a request's TPOT lands. */
  readonly tpotTail = new RatioQuantile(TAIL_HORIZON);
  /** How far one window's ITL lands above the decode-long mean: what the SLO breaker's short window sees. */
  readonly windowTail = new RatioQuantile(TAIL_HORIZON);
  /** Why the last window moved the limit (or did not): for tests and diagnosis. */
  last: 'drop' | 'itl' | 'ttft' | 'queue' | 'grow' | 'untested' | 'none' = 'none';
  /** How long a request decodes (first token to end): an exponential average over ~32 requests. */
  decodeMs = NaN;
  private growing = 0;
  private readonly w = new SloWindow();
  /** For a request's TPOT against the ITL over its own lifetime. */
  private readonly history = new ItlHistory();
  private readonly p: LimitParams;
  private readonly clock: Clock;
  private readonly q: number;

  constructor(p: LimitParams, clock: Clock) {
    this.p = p;
    this.clock = clock;
    this.limit = p.initial;
    this.q = p.quantile;
  }

  update(s: LimitSample): void {
    const now = this.clock();
    const w = this.w;
    w.event(now, s);
    if (s.dropped) w.dropped = true;
    else if (s.ttftMs > 0) {
      const b = band(s.promptTokens);
      const f = (this.floors[b] = follow(this.floors[b], s.ttftMs));
      w.firsts++;
      w.ttftSum += s.ttftMs;
      w.floorSum += f;
      // What the budget left the engine; a floor at or over it is not fixed by admitting less (the breaker's).
      const left = s.ttftSloMs - s.waitedMs;
      if (left > f && s.inFlight > 0)
        this.ttftRoom.add(s.ttftMs > f ? (s.inFlight * (left - f)) / (s.ttftMs - f) : Infinity);
      if (f > w.floorMax) w.floorMax = f;
    }
    this.maybeClose(now, s, w.firsts + w.wholes >= this.p.windowSamples || w.dropped);
  }

  tokens(now: number, gapMs: number, tokens: number, s: LimitSample): void {
    const w = this.w;
    w.event(now, s);
    w.gapSum += gapMs;
    w.tokenCount += tokens;
    this.maybeClose(now, s, false);
  }

  completed(now: number, elapsedMs: number, tpotMs: number, s: LimitSample): void {
    const w = this.w;
    if (tpotMs > 0 && s.ttftMs > 0) {
      const decode = elapsedMs - s.ttftMs;
      this.decodeMs = this.decodeMs === this.decodeMs ? this.decodeMs + (decode - this.decodeMs) * MEAN_WEIGHT : decode;
      const itl = this.history.since(now - decode, w);
      if (itl > 0) this.tpotTail.add(tpotMs / itl);
    }
    if (s.ttftMs === s.ttftMs) return;
    // No first token was seen: a non-streamed response, whose whole latency is its only signal.
    w.event(now, s);
    const f = (this.floors[WHOLE] = follow(this.floors[WHOLE], elapsedMs));
    w.wholes++;
    w.wholeSum += elapsedMs;
    w.wholeFloorSum += f;
    this.maybeClose(now, s, w.firsts + w.wholes >= this.p.windowSamples);
  }

  private maybeClose(now: number, s: LimitSample, full: boolean): void {
    const w = this.w;
    const span = now - w.start;
    const min = Math.max(this.p.windowMinMs, w.tokenCount > 0 ? (WINDOW_STEPS * w.gapSum) / w.tokenCount : 0);
    if (!w.dropped && (span < min || !(full || span >= 5 * min))) return;
    this.decide(now, s);
    this.history.record(now, w);
    w.close();
  }

  private decide(now: number, s: LimitSample): void {
    const p = this.p;
    const w = this.w;
    const L = this.limit;
    const n = w.inFlightSum / w.events;
    const half = Math.max(p.min, L / 2);
    if (w.dropped) return this.cut(half, 'drop');

    // The SLOs: the concurrency at which each would be met (Infinity when it does not bind).
    let est = Infinity;
    let over: 'itl' | 'ttft' | undefined;
    const itl = w.tokenCount >= MIN_TOKENS ? w.gapSum / w.tokenCount : NaN;
    if (itl === itl) {
      if (!(itl >= this.itlFloor)) this.itlFloorN = n;
      this.itlFloor = follow(this.itlFloor, itl);
      const long0 = this.decodeMs > now - w.start ? this.history.since(now - this.decodeMs, w) : NaN;
      if (long0 > 0) this.windowTail.add(itl / long0);
      const target = Math.min(
        this.target(s.itlSloMs, this.tpotTail),
        this.target(s.itlSloMs, this.windowTail, WINDOW_QUANTILE),
      );
      // A request's TPOT averages the ITL over its decode: judge that average, not one window's batches.
      // A window past the SLO itself is acted on at once.
      const long = long0 > 0 ? this.history.since(now - this.decodeMs, w) : itl;
      const x = itl > s.itlSloMs || !(long > 0) ? itl : long;
      const nx = x === itl ? n : this.history.n;
      const e = estimate(nx, x, this.itlFloorN <= nx / 2 ? this.itlFloor : 0, target);
      if (x > target && e < Infinity) over = 'itl';
      est = Math.min(est, e);
    }
    const ttft = w.firsts >= MIN_FIRSTS ? w.ttftSum / w.firsts : NaN;
    const floor = w.floorSum / w.firsts;
    if (ttft === ttft && this.ttftRoom.size >= MIN_FIRSTS) {
      const e = this.ttftRoom.quantile(1 - this.q);
      if (e < n) over ??= 'ttft';
      est = Math.min(est, e);
    }
    if (over !== undefined) return this.cut(Math.max(half, Math.min(L, est)), over);

    // The engine's queue: its own count when it reports one, else the TTFT excess over the bands' floors.
    if (w.reports >= QUEUE_REPORTS && w.minWaiting >= 1)
      return this.cut(Math.max(half, Math.min(L, w.runningSum / w.reportEvents)), 'queue');
    if (w.reports < QUEUE_REPORTS) {
      let share = 0;
      if (ttft === ttft) {
        const excess = ttft - floor;
        const step = itl === itl ? itl : NaN;
        const queued = step === step ? excess > QUEUE_STEPS * step : excess > floor;
        if (queued && excess > QUEUE_FLOOR_MS) share = (excess - (step === step ? step : floor)) / ttft;
      } else if (w.wholes >= MIN_FIRSTS) {
        const whole = w.wholeSum / w.wholes;
        const wf = w.wholeFloorSum / w.wholes;
        const excess = whole - wf;
        if (excess > wf && excess > QUEUE_FLOOR_MS) share = (excess - wf) / whole;
      }
      if (share > 0) return this.cut(Math.max(half, Math.min(L, n * (1 - share))), 'queue');
    }

    if (w.maxInFlight < Math.floor(L)) {
      this.growing = 0;
      this.last = 'untested';
      return;
    }
    this.last = 'grow';
    let next: number;
    if (L < this.ssthresh) next = Math.min(2 * L, Math.max(L + 1, est));
    else next = L + Math.min(Math.sqrt(L), Math.max(1, (est - L) / 2));
    this.limit = Math.min(p.max, next);
    if (++this.growing >= RESLOW_WINDOWS) this.ssthresh = Infinity;
  }

  /** The mean that keeps a share `quantile` of requests within the SLO: slo / their tail ratio. */
  private target(slo: number, tail: RatioQuantile, q = this.q): number {
    if (!(slo > 0)) return Infinity;
    return slo / (tail.size >= TAIL_MIN ? tail.quantile(q) : TAIL_PRIOR);
  }

  private cut(next: number, why: SloLimit['last']): void {
    this.last = why;
    this.limit = Math.max(this.p.min, Math.min(this.limit, next));
    this.ssthresh = this.limit;
    this.growing = 0;
  }
}
