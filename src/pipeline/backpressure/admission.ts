/**
 * Back pressure's admission stage (level 1, src/admission): the body-less checks before the body is read,
 * every check once the model group is known, and the hold the request keeps till its finish. It also writes
 * every refusal of a request while back pressure is on (the configured overload status, `Retry-After`,
 * `x-spillway-rejected-by`; an SSE error event once status events sent the head).
 */
import type { AdmissionPermit, IngressVerdict } from '../../admission/ingress-admission.ts';
import { PRIORITY_HEADER, PRIORITY_NAMES, type Priority } from '../../admission/priority.ts';
import type { ClientResponse } from '../../outcome/client-response.ts';
import type { QueuePlace } from '../../routing/queue/queue-place.ts';
import type { PermitEnd } from '../../util/permit.ts';
import type { ProxyRequest } from '../proxy-request.ts';
import { TTFT_BUDGET_HEADER } from '../request-context.ts';
import type { AdmissionStage } from '../stages.ts';
import type { BackPressure } from './controller.ts';
import type { GroupState } from './groups.ts';
import { isOverload, type Refusal, sendRefusal } from './refusals.ts';
import { SLA_MISSED, SLA_WITHIN } from './sla.ts';
import { Ticket } from './ticket.ts';

export class BackPressureAdmission implements AdmissionStage {
  private readonly bp: BackPressure;

  constructor(bp: BackPressure) {
    this.bp = bp;
  }

  precheck(p: Priority | -1, arrivalMs: number): Refusal | undefined {
    if (p === -1) return badHeader(PRIORITY_HEADER, `must be one of ${PRIORITY_NAMES.join(', ')}`);
    const bp = this.bp;
    const v = bp.admission.precheck(p);
    if (v === 'ok') return undefined;
    bp.metrics.rejected('ingress', v, p, 'none');
    bp.metrics.decisionFor('refused').observe((performance.now() - arrivalMs) / 1000);
    return this.ingressRefusal(v, p, undefined, 0);
  }

  sendEarly(res: ClientResponse, r: Refusal): number {
    return sendRefusal(res, r, this.bp.config.rejectStatus, false);
  }

  admit(pr: ProxyRequest): Refusal | undefined {
    const bp = this.bp;
    const ctx = pr.ctx;
    const now = (bp.now = bp.clock());
    const g = bp.groups.get(ctx.group)!;
    const p = ctx.priority;
    let budget = g.settings.ttftBudgetMs;
    const asked = ctx.ttftBudgetMs;
    if (asked !== undefined) {
      if (!(asked > 0)) return badHeader(TTFT_BUDGET_HEADER, 'must be a positive number of milliseconds');
      budget = Math.min(asked, bp.config.router.maxTtftBudgetMs);
    }
    // The load model's prompt estimate when the pipeline made one, else ~4 bytes per token of the body.
    const tokens = ctx.prompt?.tokens ?? Math.ceil(ctx.bodyBytes / 4);
    const blocks = tokens / g.blockSize();
    // Offered to the group whatever the ingress says: ρ_c must see the demand the KV budget and the in-flight caps
    // refuse, or a group whose ingress sheds most of a 3× load looks to the router as if it were at 1×.
    g.room.offered(p, now);
    const tenant = g.admission.tenants.loadOf(bp.admission.settings.fairness.identity(ctx.tenant));
    const held = bp.admission.hold(g.admission, p, blocks, bp.shareOf(g.activity, p, now), tenant);
    if (typeof held === 'string') return this.ingressRefusal(held, p, g, blocks);
    // The budget runs from arrival: time spent reading the body is already gone.
    const deadline = now + budget - (performance.now() - ctx.arrivalMs);
    g.activity.admitted(p, now);
    pr.bp = new Ticket(g, p, deadline, tokens, held, bp.config.statusEvents && ctx.stream && ctx.statusEvents);
    g.admittedTotal[p]++;
    return undefined;
  }

  send(pr: ProxyRequest, r: Refusal): number {
    const t = pr.bp;
    if (isOverload(r.outcome)) {
      this.bp.metrics.rejected(levelOf(r.outcome), r.outcome, t?.priority ?? pr.ctx.priority, pr.ctx.group);
      this.bp.observeDecision(pr, 'refused');
    }
    return sendRefusal(pr.res, r, this.bp.config.rejectStatus, t?.headSent === true);
  }

  /** Its queue place first, then its admission: the reverse of how it took them. */
  release(pr: ProxyRequest, how: PermitEnd): void {
    const t = pr.bp;
    if (t === undefined) return;
    if (t.place !== undefined) {
      const place: QueuePlace<ProxyRequest> = t.place;
      t.place = undefined;
      place.withdraw();
    }
    if (how === 'success' && t.slaMet !== undefined) t.group.sla[t.slaMet ? SLA_WITHIN : SLA_MISSED]++;
    if (t.admission !== undefined) {
      const admission: AdmissionPermit = t.admission;
      t.admission = undefined;
      admission.end(how);
    }
  }

  clientGone(pr: ProxyRequest): boolean {
    const t = pr.bp;
    if (t === undefined || t.place === undefined) return false;
    const place: QueuePlace<ProxyRequest> = t.place;
    t.place = undefined;
    place.withdraw();
    t.group.abandoned++;
    return true;
  }

  private ingressRefusal(
    v: Exclude<IngressVerdict, 'ok'>,
    p: Priority,
    g: GroupState<ProxyRequest> | undefined,
    blocks: number,
  ): Refusal {
    const bp = this.bp;
    const cls = PRIORITY_NAMES[p];
    const a = bp.admission;
    switch (v) {
      case 'ingress_inflight': {
        const where =
          g !== undefined && g.admission.inFlight >= a.settings.fractions[p] * g.admission.maxInFlight
            ? `model group "${g.name}"`
            : 'the gateway';
        return {
          outcome: v,
          message: `Too many requests in flight for ${where} to admit a ${cls} request.`,
          retryAfterMs: bp.retryAfter(g, g === undefined ? 1 : a.excess(g.admission, p)),
        };
      }
      case 'ingress_kv_budget': {
        const { held, budget } = a.kvRefusal;
        const perRequest = g!.admission.inFlight > 0 ? held / g!.admission.inFlight : blocks;
        const backlog = perRequest > 0 ? Math.ceil((held + blocks - budget) / perRequest) : 1;
        return {
          outcome: v,
          message:
            `The KV cache of model group "${g!.name}" is committed: ${Math.round(held)} blocks in flight + ` +
            `${Math.round(blocks)} for this prompt exceed the ${cls} budget of ${Math.round(budget)}.`,
          retryAfterMs: bp.retryAfter(g, backlog),
        };
      }
      case 'ingress_priority_shed':
        return {
          outcome: v,
          message: `Load is near its limit: ${cls} requests are being shed.`,
          retryAfterMs: bp.retryAfter(g, g === undefined ? 1 : g.room.size + 1),
        };
    }
  }
}

function badHeader(header: string, what: string): Refusal {
  return { outcome: 'bad_request', message: `Header ${header} ${what}.`, param: header };
}

function levelOf(outcome: string): 'ingress' | 'router' | 'engine' {
  return outcome.startsWith('ingress') ? 'ingress' : outcome.startsWith('router') ? 'router' : 'engine';
}
