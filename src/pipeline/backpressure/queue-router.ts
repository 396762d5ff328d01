/**
 * Routing with back pressure: a dispatcher in the manner of undici's Pool. `route` hands the request down to
 * an engine (the attempt starter), or queues it, or refuses it, and says which as a value. The router queue
 * drains on capacity events (an attempt's first token or end, an engine report, a block's time running out),
 * on a later tick than the event (WaitingRoom.drainSoon), and hands what leaves it down as well; a queued
 * request that leaves unserved ends in the request's end (../request-end.ts). Nothing here calls its caller.
 */
import { PRIORITY_NAMES } from '../../admission/priority.ts';
import { injectFault } from '../../outcome/internal-error.ts';
import type { PlaceEnd, QueuePlace } from '../../routing/queue/queue-place.ts';
import type { DropReason, WaitingRoomHost } from '../../routing/queue/waiting-room.ts';
import type { AttemptStarter } from '../attempt-starter.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { RequestEnd } from '../request-end.ts';
import { noRoute } from '../router.ts';
import type { RouteResult, Router } from '../stages.ts';
import { type BackPressure, IDLE_WAKE_MS } from './controller.ts';
import type { GroupState, QueueExit } from './groups.ts';
import type { Refusal } from './refusals.ts';
import { serviceTime } from './service-time.ts';
import { StatusEvents } from './status.ts';
import type { Ticket } from './ticket.ts';

export class QueueRouter implements Router, WaitingRoomHost<ProxyRequest, QueueExit> {
  private readonly bp: BackPressure;
  private readonly attempts: AttemptStarter;
  private readonly end: RequestEnd;
  private readonly status: StatusEvents;
  /** The queue's service-time estimate, reused by every offer. */
  private readonly service = { mean: 0, sd: 0 };

  constructor(bp: BackPressure, attempts: AttemptStarter, end: RequestEnd) {
    this.bp = bp;
    this.attempts = attempts;
    this.end = end;
    this.status = new StatusEvents(bp.config, end);
    bp.queueHost = this;
    for (const g of bp.groups.values()) g.room.attach(this);
  }

  route(pr: ProxyRequest): RouteResult {
    injectFault(pr.ctx.fault, 'routing');
    const picked = pr.ctx.modelGroup.select(pr.ctx, pr.tried);
    if (!('reason' in picked)) {
      this.attempts.start(pr, picked);
      return 'dispatched';
    }
    if (picked.reason !== 'busy') return noRoute(pr, picked);
    return this.onNoEngine(pr);
  }

  /** Every engine refused the request: refuse it, queue it, or (queued requests going first) dispatch it. */
  private onNoEngine(pr: ProxyRequest): RouteResult {
    const bp = this.bp;
    const t = pr.bp!;
    const g = t.group;
    const now = (bp.now = bp.clock());
    const f = bp.admission.settings.fractions[t.priority];
    const share = bp.shareOf(g.activity, t.priority, now);
    let slow = 0;
    let itl = 0;
    let limited = 0;
    let penalty = 0;
    let usable = 0;
    let unblocks = Infinity;
    let free = 0;
    let untimed = 0;
    for (const e of g.engines) {
      if (e.deployment.isCoolingDown()) continue;
      usable++;
      const why = e.refusal(now, bp.busy, f, share, t.priority);
      if (why === undefined) free++;
      else if (why === 'limited' || why === 'kv' || why === 'prefill') untimed++;
      if (why === 'slow') {
        slow++;
        if (e.gate.breaker.reason === 'itl') itl++;
      } else if (why === 'limited') limited++;
      else if (why === 'penalty') penalty++;
      unblocks = Math.min(unblocks, e.gate.unblocksAt(now, f));
    }
    if (usable > 0 && slow === usable) {
      // Queueing cannot help: the class is readmitted when an engine's window says so, and Retry-After says when.
      const outcome = itl === slow ? 'engine_itl_slo' : 'engine_ttft_slo';
      return {
        outcome,
        message:
          `Every engine of model group "${g.name}" is at its ` +
          `${itl === slow ? 'inter-token latency' : 'time-to-first-token'} SLO's share for ` +
          `${PRIORITY_NAMES[t.priority]} requests; they take more when their recent latency falls back under it.`,
        retryAfterMs: bp.clampRetry(unblocks - now),
      };
    }
    if (bp.config.router.maxQueue === 0) {
      const outcome = limited === usable ? 'engine_concurrency' : penalty === usable ? 'engine_penalty' : 'router_busy';
      const retry = outcome === 'engine_penalty' ? bp.clampRetry(unblocks - now) : bp.retryAfter(g, 1);
      return {
        outcome,
        message:
          `Every engine of model group "${g.name}" is busy (${limited} at their ` +
          `concurrency limit, ${penalty} in a penalty, ${usable - limited - penalty - slow} ` +
          `over their KV or prefill threshold) and the router queue is off.`,
        retryAfterMs: retry,
      };
    }
    if (free > 0 && g.room.size > 0) {
      // An engine has room for the class but queued requests went first (admits): they take it, then this
      // request tries once more. Its own decision, so the drain runs now rather than on a later tick.
      g.room.drain();
      const picked = g.group.select(pr.ctx, pr.tried);
      if (!('reason' in picked)) {
        this.attempts.start(pr, picked);
        return 'dispatched';
      }
    }
    serviceTime(g, now, t.promptTokens, this.service);
    // Only time-bound blocks (every engine in a penalty or over its SLO share): nothing leaves before they end.
    const notBefore = free === 0 && untimed === 0 ? unblocks : 0;
    // The queue puts the place in the ticket (t.place) and takes it back when it ends it.
    const tenant = t.admission?.tenant;
    const tenants = g.admission.tenants;
    const fair =
      tenant !== undefined && tenants.holdsUnderShare(tenant, bp.admission.settings.fairness, g.admission.inFlight);
    const place = g.room.offer(
      pr,
      t.priority,
      t.deadline,
      t.promptTokens,
      this.service.mean,
      this.service.sd,
      notBefore,
      t,
      tenant,
      fair,
    );
    if (typeof place === 'string') return this.queueRefusal(place, t);
    bp.observeDecision(pr, 'queued');
    if (unblocks < Infinity) g.room.wakeAtTime(unblocks);
    if (g.attempts === 0) g.room.wakeAtTime(now + IDLE_WAKE_MS);
    if (t.statusEvents) this.status.queued(pr, place);
    return 'queued';
  }

  /** WaitingRoomHost: the head of the queue, routed on fresh state; undefined while every engine is busy. */
  routeHead(pr: ProxyRequest): QueueExit | undefined {
    // Entered from a timer or a capacity event: a throw here ends this request only (its place withdrawn).
    try {
      injectFault(pr.ctx.fault, 'router_queue');
      const bp = this.bp;
      bp.now = bp.clock();
      const t = pr.bp!;
      const picked = t.group.group.select(pr.ctx, pr.tried);
      if (!('reason' in picked) || picked.reason !== 'busy') return picked;
      bp.scheduleWake(t.group);
      return undefined;
    } catch (err) {
      this.end.fail(pr, 'router_queue', err);
      return undefined;
    }
  }

  /** WaitingRoomHost: the head left the queue (its place ended): handed down, or answered. */
  handDown(pr: ProxyRequest, to: QueueExit): void {
    if (pr.finished) return;
    try {
      if (!('reason' in to)) this.attempts.start(pr, to);
      else {
        const r = noRoute(pr, to);
        if (r === 'exhausted') this.end.failAfterAttempts(pr);
        else if (typeof r !== 'string') this.end.reject(pr, r);
      }
    } catch (err) {
      this.end.fail(pr, 'router_queue', err);
    }
  }

  /** WaitingRoomHost: how long a place was held and how it ended (spillway_router_queue_wait_seconds). */
  left(place: QueuePlace<ProxyRequest>, how: PlaceEnd): void {
    const t = place.item.bp!;
    const result = how === 'withdrawn' ? 'client_closed' : how;
    this.bp.metrics.queueWait.observe(
      { model_group: t.group.name, result },
      (this.bp.clock() - place.enqueuedAt) / 1000,
    );
    if (t.statusEvents) t.group.statusLeft();
  }

  /** WaitingRoomHost: a queued request leaves unserved. */
  dropped(pr: ProxyRequest, why: DropReason, place: QueuePlace<ProxyRequest>): void {
    try {
      const bp = this.bp;
      const t = pr.bp!;
      const g = t.group;
      if (why === 'expired') {
        this.end.reject(pr, {
          outcome: 'router_queue_timeout',
          message:
            `The request's time-to-first-token budget ran out after ` +
            `${Math.round(bp.clock() - place.enqueuedAt)} ms in the router queue of model group "${g.name}".`,
          retryAfterMs: bp.retryAfter(g, g.room.size + 1),
        });
      } else {
        this.end.reject(pr, {
          outcome: 'router_queue_full',
          message:
            `The router queue of model group "${g.name}" is full; this ` +
            `${PRIORITY_NAMES[t.priority]} request gave its place to a more important one, or to a tenant under ` +
            'its share of the queue while its own tenant is over.',
          retryAfterMs: bp.retryAfter(g, g.room.size),
        });
      }
    } catch (err) {
      this.end.fail(pr, 'router_queue', err);
    }
  }

  /** Refuses everything still queued (gateway shutdown). */
  shutdown(): void {
    for (const g of this.bp.groups.values()) {
      for (const pr of g.room.clear()) {
        this.end.reject(pr, {
          outcome: 'draining',
          message: 'The gateway is shutting down; retry on another instance.',
          retryAfterMs: 1000,
        });
      }
      g.stopStatus();
    }
  }

  private queueRefusal(why: 'router_queue_full' | 'router_deadline', t: Ticket<ProxyRequest>): Refusal {
    const bp = this.bp;
    const g: GroupState<ProxyRequest> = t.group;
    if (why === 'router_queue_full') {
      return {
        outcome: why,
        message:
          `Every engine of model group "${g.name}" is busy and its router queue ` +
          `is full (${g.room.size} requests, ${g.room.queue.tokens} prompt tokens).`,
        retryAfterMs: bp.retryAfter(g, g.room.size),
      };
    }
    const remaining = Math.max(0, Math.round(t.deadline - bp.clock()));
    // The wait the offer just judged (a read of every attempt in flight), not a second estimate.
    const judged = g.room.judgedWaitMs;
    const wait = judged === judged ? judged : g.room.estimatedWaitMs(t.priority);
    return {
      outcome: why,
      message:
        `Every engine of model group "${g.name}" is busy; the estimated wait ` +
        `(${Math.round(wait)} ms behind ${g.room.queue.ahead(t.priority)} queued) exceeds ` +
        `the ${remaining} ms left of this request's time-to-first-token budget.`,
      retryAfterMs: bp.retryAfter(g, g.room.queue.ahead(t.priority) + 1),
    };
  }
}
