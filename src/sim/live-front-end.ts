/**
 * The API server's event loop (./front-end.ts) for the HTTP engine: the same turns as the closed-loop replay, run
 * on timers in the engine's (scaled) time, so a profile with a `front_end` block behaves the same over HTTP. A
 * request reaches the scheduler, and a chunk reaches its stream, at the engine time its turn did it; timers that
 * fire late catch up by applying everything due, in order, in one callback (as ./engine-loop.ts does for steps).
 *
 * A request still being taken in when its client goes away never reaches the scheduler; a chunk for a stream that
 * has gone is dropped.
 */
import { FrontEnd, type FrontEndCosts, type StreamToken, type TurnEffect } from './front-end.ts';
import type { Sequence } from './sequence.ts';

/** Writes a stream's output tokens up to `upTo` as one chunk (the writer knows what it sent before). */
export interface ChunkSink {
  onTokens(seq: Sequence, upTo: number, last: boolean): void;
}

export interface LiveFrontEndOptions {
  costs: FrontEndCosts;
  /** Engine time now (ms). */
  now(): number;
  /** Wall ms for an engine duration. */
  wallMs(engineMs: number): number;
  /** A request's intake is done: it goes to the scheduler now. */
  enter(seq: Sequence): void;
}

interface Stream {
  seq: Sequence;
  sink: ChunkSink;
  /** Output tokens written so far. */
  written: number;
}

export class LiveFrontEnd {
  private readonly fe: FrontEnd;
  private readonly opts: LiveFrontEndOptions;
  /** Requests between arrival and their last chunk, by sequence id. */
  private readonly streams = new Map<number, Stream>();
  /** Sequence ids still being taken in. */
  private readonly intake = new Set<number>();
  /** Effects of the last turn not yet due, in time order, from `next`. */
  private due: TurnEffect[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(opts: LiveFrontEndOptions) {
    this.opts = opts;
    this.fe = new FrontEnd(opts.costs);
  }

  offerRequest(seq: Sequence, sink: ChunkSink): void {
    this.streams.set(seq.id, { seq, sink, written: 0 });
    this.intake.add(seq.id);
    this.fe.offerRequest(seq.id, this.opts.now());
    this.pump();
  }

  /** A step's output, at the engine time the step ended. */
  offerStep(emitted: readonly Sequence[], at: number): void {
    const tokens: StreamToken[] = new Array(emitted.length);
    for (let i = 0; i < emitted.length; i++) {
      const q = emitted[i];
      tokens[i] = { stream: q.id, first: q.numOutput === 1, last: q.state === 'finished' };
    }
    this.fe.offerOutput(tokens, at);
    this.pump();
  }

  /**
   * Stops following a request (its client went away, or the scheduler refused it): true when it was still being
   * taken in, so the scheduler never saw it.
   */
  forget(seq: Sequence): boolean {
    this.streams.delete(seq.id);
    return this.intake.delete(seq.id);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly pump = (): void => {
    if (this.closed) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const now = this.opts.now();
    for (;;) {
      while (this.next < this.due.length && this.due[this.next].at <= now) this.apply(this.due[this.next++]);
      if (this.next < this.due.length) return this.wakeAt(this.due[this.next].at, now);
      this.due.length = 0;
      this.next = 0;
      const turnAt = this.fe.nextTurnAt();
      if (turnAt === undefined) return;
      if (turnAt > now) return this.wakeAt(turnAt, now);
      this.fe.turn(turnAt, this.due);
    }
  };

  private wakeAt(at: number, now: number): void {
    this.timer = setTimeout(this.pump, this.opts.wallMs(at - now));
  }

  private apply(e: TurnEffect): void {
    const s = this.streams.get(e.stream);
    if (s === undefined) return; // its client went away
    if (e.kind === 'enter') {
      this.intake.delete(e.stream);
      this.opts.enter(s.seq);
      return;
    }
    s.written += e.tokens;
    if (e.last) this.streams.delete(e.stream);
    s.sink.onTokens(s.seq, s.written, e.last);
  }
}
