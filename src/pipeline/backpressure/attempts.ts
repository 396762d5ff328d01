/**
 * An attempt's life as back pressure sees it: it takes an engine slot at dispatch (and, in own-load mode,
 * reserves its predicted load), measures TTFT and ITL on the stream as chunks pass, gives everything back
 * once when the attempt ends, and turns an engine's own 503/429 into a penalty and a re-route.
 *
 * Capacity events, on which the router queue drains (on a later tick: WaitingRoom.drainSoon): an attempt's
 * first token (its prompt left the engine's prefill queue) and its end (completion, failure or abort).
 */
import type { Deployment } from '../../routing/deployment.ts';
import { PromptInfo } from '../../prefix/prompt-info.ts';
import type { Exchange, ExchangeEnd } from '../../upstream/exchange.ts';
import { writeDispatched } from '../../relay/status-events.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { AttemptHooks } from '../stages.ts';
import type { BackPressure } from './controller.ts';

const NO_HASHES: readonly number[] = [];
const NO_OVERLAPS = new Int32Array(0);

export class Attempts implements AttemptHooks {
  readonly countsTokens = true;
  private readonly bp: BackPressure;

  constructor(bp: BackPressure) {
    this.bp = bp;
  }

  dispatched(pr: ProxyRequest, d: Deployment): void {
    const t = pr.bp!;
    const slot = this.bp.slots.get(d)!;
    const now = (this.bp.now = this.bp.clock());
    t.engine = slot;
    slot.inFlightOf[t.priority]++;
    slot.gate.acquire();
    t.dispatchAt = now;
    t.firstAt = 0;
    t.lastAt = 0;
    t.outTokens = 0;
    if (slot.ownLoad) t.permit = slot.load.reserve(new PromptInfo(pr.ctx.bodyBytes, t.promptTokens, 64, NO_HASHES, NO_OVERLAPS));
    t.group.attempts++;
    // The drain rate counts dispatches, not ends: an end whose engine is still busy (KV, prefill, the class's
    // share) lets nothing out of the queue, and counting it made the queue's wait estimate optimistic.
    t.group.drainRate.record(1, now);
    this.bp.drainRate.record(1, now);
    this.bp.observeDecision(pr, 'dispatched');
    if (t.headSent) writeDispatched(pr.res, d.id);
  }

  /**
   * The upstream's head, with its first chunk. Returns true when status events already sent the client a
   * head: then an error status's JSON body is framed as one SSE error event instead.
   */
  head(pr: ProxyRequest, status: number): boolean {
    const t = pr.bp!;
    if (!t.headSent) return false;
    if (status >= 300) {
      t.errorFrame = true;
      pr.res.write('data: ');
    }
    return true;
  }

  /** A relayed body chunk carrying `n` SSE data events (counted once by the pipeline). */
  chunk(pr: ProxyRequest, n: number): void {
    const t = pr.bp!;
    const slot = t.engine;
    if (slot === undefined || !pr.ctx.stream || t.errorFrame) return;
    const now = (this.bp.now = this.bp.clock());
    if (t.firstAt === 0) {
      t.firstAt = now;
      t.lastAt = now;
      slot.gate.firstToken(now, now - t.dispatchAt, t.promptTokens);
      if (t.permit !== undefined) t.permit.tokens(n);
      t.group.room.drainSoon();
      return;
    }
    if (n === 0) return;
    slot.gate.tokens(now, now - t.lastAt, n);
    if (t.permit !== undefined) t.permit.tokens(n);
    t.outTokens += n;
    t.lastAt = now;
  }

  /** The attempt ended, however: its slot and load are given back, exactly once. */
  ended(pr: ProxyRequest, end: ExchangeEnd, status: number): void {
    const t = pr.bp!;
    const slot = t.engine;
    if (slot === undefined) return;
    t.engine = undefined;
    slot.inFlightOf[t.priority]--;
    const now = (this.bp.now = this.bp.clock());
    const dropped = end === 'timeout' || (end === 'retryable_status' && (status === 503 || status === 429));
    const ttft = t.firstAt > 0 ? t.firstAt - t.dispatchAt : NaN;
    const itl = t.outTokens > 0 ? (t.lastAt - t.firstAt) / t.outTokens : NaN;
    slot.gate.release(now, dropped, now - t.dispatchAt, ttft, itl);
    if (t.permit !== undefined) {
      t.permit.release();
      t.permit = undefined;
    }
    if (t.errorFrame) {
      t.errorFrame = false;
      if (!pr.res.writableEnded) pr.res.write('\n\n');
    }
    const g = t.group;
    g.attempts--;
    g.room.drainSoon();
  }

  /**
   * The engine refused the request itself (503/429) before anything was relayed: a penalty for the engine
   * and a re-route for the request, counted neither as a failure (no cooldown) nor as a retry. True while the
   * request's TTFT budget lasts: each bounce costs at least a penalty, since the refusing engine sits out, and
   * once every engine does the request waits in the router queue, whose deadline check ends the bouncing.
   */
  engineRefused(pr: ProxyRequest, x: Exchange): boolean {
    if (x.status !== 503 && x.status !== 429) return false;
    const t = pr.bp!;
    const slot = this.bp.slots.get(x.deployment);
    if (slot === undefined) return false;
    const now = (this.bp.now = this.bp.clock());
    slot.gate.penalize(now, this.bp.config.engine.penaltyMs);
    this.bp.metrics.penalties.inc({ model_group: t.group.name, deployment: slot.deployment.id });
    t.group.room.wakeAtTime(slot.gate.penaltyUntil);
    t.refusals++;
    return now < t.deadline;
  }
}
