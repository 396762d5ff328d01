/**
 * One dispatched request's share of an engine's predicted load, from dispatch to its single release.
 *
 *   dispatch     in-flight +1, queued prefill +uncached, active KV +uncached     (EngineLoad.reserve)
 *   first token  queued prefill −uncached                                         (firstToken)
 *   n tokens     active KV +n                                                     (tokens)
 *   end          everything this permit still holds is given back                 (end / release)
 *
 * The permit remembers what it added, so its end gives back exactly that whatever happened in between
 * (error before the first byte, client abort mid-stream, upstream crash): the engine's counters return to
 * zero when every permit has ended. The pipeline ends it with `end`, which a second time does not compile
 * (../util/permit.ts); `release`, for holders of many (tests, the bench), still counts a second call, and
 * throws in strict mode. Events after the end (a chunk racing an abort) are ignored and counted.
 */
import type { Permit, PermitEnd } from '../util/permit.ts';

/** The engine counters a permit writes (./engine-load.ts EngineLoad). */
export interface PermitEngine {
  readonly predicted: { inFlight: number; queuedPrefillTokens: number; activeTokens: number };
  lateEvents: number;
  doubleRelease(): void;
  /** `predicted` changed (the cluster's share publishes it). */
  changed(): void;
}

export class LoadPermit implements Permit {
  readonly engine: PermitEngine;
  /** Prompt tokens the engine must compute (not believed cached there). */
  readonly uncachedTokens: number;
  /** Prompt tokens believed cached on the engine. */
  readonly cachedTokens: number;
  outputTokens = 0;
  private queued: number;
  private open = true;

  constructor(engine: PermitEngine, uncachedTokens: number, cachedTokens: number) {
    this.engine = engine;
    this.uncachedTokens = uncachedTokens;
    this.cachedTokens = cachedTokens;
    this.queued = uncachedTokens;
  }

  get released(): boolean {
    return !this.open;
  }

  /** The first output token (or first response byte) arrived: the prompt is no longer queued for prefill. */
  firstToken(): void {
    if (!this.open) {
      this.engine.lateEvents++;
      return;
    }
    if (this.queued !== 0) {
      this.engine.predicted.queuedPrefillTokens -= this.queued;
      this.queued = 0;
      this.engine.changed();
    }
  }

  /** `n` output tokens were generated: they occupy KV cache until the request ends. */
  tokens(n: number): void {
    if (!this.open) {
      this.engine.lateEvents++;
      return;
    }
    if (this.queued !== 0) this.firstToken();
    if (n > 0) {
      this.outputTokens += n;
      this.engine.predicted.activeTokens += n;
      this.engine.changed();
    }
  }

  /** The attempt ended, however (`how` changes nothing here: the permit gives back what it added). */
  end(how: PermitEnd): asserts this is never {
    void how;
    this.release();
  }

  /** As `end`, for callers outside the pipeline (tests, the bench) that hold permits in arrays. */
  release(): void {
    if (!this.open) {
      this.engine.doubleRelease();
      return;
    }
    this.open = false;
    const p = this.engine.predicted;
    p.inFlight--;
    p.queuedPrefillTokens -= this.queued;
    p.activeTokens -= this.uncachedTokens + this.outputTokens;
    this.queued = 0;
    this.engine.changed();
  }
}
