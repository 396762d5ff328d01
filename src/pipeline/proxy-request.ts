import type { LoadPermit } from '../load/permit.ts';
import type { ClientResponse } from '../outcome/client-response.ts';
import type { StreamEnd } from '../relay/stream-end.ts';
import type { UsageStripper } from '../relay/usage-strip.ts';
import type { Deployment, DeploymentPermit } from '../routing/deployment.ts';
import type { TenantHold } from '../tenants/hold.ts';
import type { Exchange, ExchangeEnd } from '../upstream/exchange.ts';
import { withIncludeUsage } from '../upstream/include-usage.ts';
import type { Ticket } from './backpressure/ticket.ts';
import type { RequestContext } from './request-context.ts';

/**
 * One request's run through the pipeline, from admission to its single outcome: what it read at ingress
 * (`ctx`, read-only), the client's response, and the state of its attempts.
 */
export class ProxyRequest {
  /** Replaced only when the request moves to a fallback group (./diversion.ts). */
  ctx: RequestContext;
  readonly res: ClientResponse;
  /** Deployments already attempted, in order (created on the first retry only). */
  tried: Deployment[] | undefined = undefined;
  attempts = 0;
  /** The deployment slot the attempt in progress holds (in flight, rpm, tpm); ended with the attempt. */
  slot: DeploymentPermit | undefined = undefined;
  /** The load the attempt in progress holds on its engine's load model; released with the attempt. */
  permit: LoadPermit | undefined = undefined;
  /** The attempt in progress. */
  exchange: Exchange | undefined = undefined;
  /** The most recent attempt, finished or not. */
  lastAttempt: Exchange | undefined = undefined;
  /** Time spent waiting on attempts that failed: not the gateway's overhead. */
  failedUpstreamMs = 0;
  clientClosed = false;
  finished = false;
  lastFailure: Exchange | undefined = undefined;
  lastFailureKind: ExchangeEnd | undefined = undefined;
  /** Upstream body for `rewrittenFor` (the body with `model` replaced), kept across retries. */
  rewrittenFor: string | undefined = undefined;
  rewritten: Buffer | undefined = undefined;
  /**
   * Last two body chunks of the relayed response: where the upstream's usage is (tpm, the token counters, the
   * load model) and an SSE stream's end.
   */
  tail: Buffer | undefined = undefined;
  prevTail: Buffer | undefined = undefined;
  /** The relayed response is an SSE stream the client asked for, which must end as its endpoint's do. */
  sse = false;
  /** The stream's end when it is found by scanning each chunk (../relay/stream-end.ts); undefined otherwise. */
  scannedEnd: StreamEnd | undefined = undefined;
  /** A scanned chunk held the stream's last event. */
  endSeen = false;
  /** The tenant gate's hold on the key's and team's counters (src/tenants/hold.ts); undefined without a tenant. */
  tenant: TenantHold | undefined = undefined;
  /**
   * Set when the upstream is asked for the stream's usage (the tenant gate, ./stream-usage.ts): strips it from
   * what is relayed.
   */
  stripper: UsageStripper | undefined = undefined;
  /** Back pressure's state for this request (admission, queue place, engine slot); undefined when off. */
  bp: Ticket<ProxyRequest> | undefined = undefined;
  /** The request's spans, opaque to all but the tracing that made them (./tracing/); undefined with it off. */
  trace: unknown = undefined;
  /** The model groups it went through, the current one last; created on its first fallback (./diversion.ts). */
  path: string[] | undefined = undefined;
  /** `attempts` when it entered its current group: the group's retries count from there. */
  attemptsBefore = 0;
  /** The header that names the group it was sent on to (spilled or fallen back), and that group. */
  detour: readonly [header: string, group: string] | undefined = undefined;
  /** Its group's 4xx answers are held for a fallback to judge (Exchange.judgeClientErrors). */
  judgeClientErrors = false;

  constructor(ctx: RequestContext, res: ClientResponse) {
    this.ctx = ctx;
    this.res = res;
  }

  /**
   * The bytes to send to `upstreamModel`: the client's own bytes when they name it once and plainly, else with
   * every top-level `model` replaced (also when the name is unchanged: a duplicate key must not reach the
   * upstream naming another model than the one routed on). With the tenant gate's stripper, it asks for the
   * stream's usage too.
   */
  upstreamBody(upstreamModel: string): Buffer {
    if (this.rewrittenFor !== upstreamModel) {
      this.rewrittenFor = upstreamModel;
      const body = this.ctx.format.rewriteModel(this.ctx.raw, this.ctx.body, upstreamModel);
      this.rewritten = this.stripper === undefined ? body : withIncludeUsage(body);
    }
    return this.rewritten!;
  }
}
