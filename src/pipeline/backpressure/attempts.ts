/**
 * An attempt's life as back pressure sees it: it takes an engine slot at dispatch (./engine-permit.ts; in
 * own-load mode it also reserves the attempt's load permit, which the pipeline ends), measures TTFT and ITL
 * on the stream as chunks pass, gives everything back once when the attempt ends, and turns an engine's own
 * 503/429 into a penalty and a re-route.
 *
 * Capacity events, on which the router queue drains (on a later tick: WaitingRoom.drainSoon): an attempt's
 * first token (its prompt left the engine's prefill queue) and its end (completion, failure or abort).
 */

import { SOLO_EVENTS } from '../../cluster/solo.ts';
import type { ClusterEvents } from '../../cluster/types.ts';
import { PromptInfo } from '../../prefix/prompt-info.ts';
import { writeDispatched } from '../../relay/status-events.ts';
import type { Deployment } from '../../routing/deployment.ts';
import type { Exchange } from '../../upstream/exchange.ts';
import { wallOffset } from '../../util/clock.ts';
import type { PermitEnd } from '../../util/permit.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { AttemptHooks } from '../stages.ts';
import type { BackPressure } from './controller.ts';
import { EnginePermit } from './engine-permit.ts';
import { slaVerdict } from './sla.ts';

const NO_HASHES: readonly number[] = [];
const NO_OVERLAPS = new Int32Array(0);

export class Attempts implements AttemptHooks {
  readonly countsTokens = true;
  private readonly bp: BackPressure;
  /** Where a penalty is told to the cluster's other instances. */
  private readonly events: ClusterEvents;

  constructor(bp: BackPressure, events: ClusterEvents = SOLO_EVENTS) {
    this.bp = bp;
    this.events = events;
  }

  dispatched(pr: ProxyRequest, d: Deployment): void {
    const t = pr.bp!;
    const slot = this.bp.slots.get(d)!;
    const now = (this.bp.now = this.bp.clock());
    // Own-load mode: the attempt's one load permit is back pressure's (the pipeline's load model keeps none).
    if (slot.ownLoad)
      pr.permit = slot.load.reserve(new PromptInfo(pr.ctx.bodyBytes, t.promptTokens, 64, NO_HASHES, NO_OVERLAPS));
    t.engine = new EnginePermit(slot, t.priority, this.bp.clock, now);
    t.group.attempts++;
    // The drain rate counts dispatches, not ends: an end whose engine is still busy (KV, prefill, the class's
    // share) lets nothing out of the queue, and counting it made the queue's wait estimate optimistic.
    t.group.drainRate.record(1, now);
    t.group.sustainedDrain.record(1, now);
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
    if (t.engine !== undefined) t.engine.answered = status < 300;
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
    const engine = t.engine;
    if (engine === undefined || !pr.ctx.stream || t.errorFrame) return;
    const now = (this.bp.now = this.bp.clock());
    if (engine.firstAt === 0) {
      // What the engine had to prefill: the prompt less the prefix the load model placed in its cache. With a
      // shared prefix, hits and misses of one prompt length differ by the prefix's whole prefill, and fitted
      // against the length alone that became spread (s ≈ 300 ms on matrix fleet #7) that refused critical
      // requests with an empty queue.
      engine.firstToken(now, pr.permit?.uncachedTokens ?? t.promptTokens, pr.ctx.arrivalMs);
      t.group.room.drainSoon();
      return;
    }
    if (n > 0) engine.tokens(now, n);
  }

  /** The attempt ended, however: its engine slot ends, exactly once (the one place that ends it). */
  ended(pr: ProxyRequest, how: PermitEnd): void {
    const t = pr.bp!;
    if (t.engine === undefined) return;
    const engine: EnginePermit = t.engine;
    t.engine = undefined;
    this.bp.now = this.bp.clock();
    t.slaMet = how === 'success' ? slaVerdict(pr, t.group.settings, engine.meanItlMs) : undefined;
    engine.end(how);
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
    this.events.penalty(slot.deployment.id, slot.gate.penaltyUntil + wallOffset(now));
    this.bp.metrics.penalties.inc({ model_group: t.group.name, deployment: slot.deployment.id });
    t.group.room.wakeAtTime(slot.gate.penaltyUntil);
    t.refusals++;
    return now < t.deadline;
  }
}
