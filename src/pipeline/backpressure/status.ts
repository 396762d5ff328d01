/**
 * Status events (src/relay/status-events.ts) for queued requests that asked for them: the stream's head and
 * `: queued position=N eta_ms=M` when a request is queued, the same again every `status_interval_ms` while it
 * waits (one timer per group, running only while a subscriber waits; GroupState stops it), and
 * `: dispatched engine=ID` when it leaves for an engine (./attempts.ts).
 */
import type { BackpressureConfig } from '../../config/backpressure.ts';
import { openEventStream, writeQueued } from '../../relay/status-events.ts';
import type { QueuePlace } from '../../routing/queue/queue-place.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import type { RequestEnd } from '../request-end.ts';
import type { GroupState } from './groups.ts';

function tick(s: { status: StatusEvents; g: GroupState<ProxyRequest> }): void {
  s.status.refresh(s.g);
}

export class StatusEvents {
  private readonly config: BackpressureConfig;
  private readonly end: RequestEnd;

  constructor(config: BackpressureConfig, end: RequestEnd) {
    this.config = config;
    this.end = end;
  }

  queued(pr: ProxyRequest, place: QueuePlace<ProxyRequest>): void {
    const t = pr.bp!;
    if (!t.headSent) {
      openEventStream(pr.res, pr.ctx.id);
      t.headSent = true;
    }
    const g = t.group;
    this.write(pr, g, place);
    if (g.statusSubscribers++ === 0) {
      g.statusTimer = setInterval(tick, this.config.router.statusIntervalMs, { status: this, g });
      g.statusTimer.unref();
    }
  }

  /** Runs on a timer: a throw ends the request being written to, not the process. */
  refresh(g: GroupState<ProxyRequest>): void {
    let current: ProxyRequest | undefined;
    try {
      for (const e of g.room.queue.entries()) {
        if (!e.item.bp!.statusEvents) continue;
        current = e.item;
        this.write(e.item, g, e);
      }
    } catch (err) {
      if (current !== undefined) this.end.fail(current, 'router_queue', err);
    }
  }

  /** Position counts everything that leaves first: the classes above, and its own class's earlier deadlines. */
  private write(pr: ProxyRequest, g: GroupState<ProxyRequest>, e: QueuePlace<ProxyRequest>): void {
    const q = g.room.queue;
    let position = 1 + (e.priority > 0 ? q.ahead((e.priority - 1) as 0 | 1) : 0);
    for (const o of q.entries())
      if (o.priority === e.priority && (o.deadline < e.deadline || (o.deadline === e.deadline && o.seq < e.seq)))
        position++;
    writeQueued(pr.res, position, position / g.drainRate.perMs());
  }
}
