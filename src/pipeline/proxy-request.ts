import type { ServerResponse } from 'node:http';
import type { Endpoint } from '../config/types.ts';
import type { Deployment } from '../routing/deployment.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { RouteRequest } from '../routing/types.ts';
import type { Exchange, ExchangeEnd } from '../upstream/exchange.ts';
import type { Ticket } from './backpressure/ticket.ts';
import { rewriteModel } from '../upstream/model-rewrite.ts';
import type { PromptInfo } from '../prefix/prompt-info.ts';
import type { LoadPermit } from '../load/permit.ts';
import type { Fault } from './internal-error.ts';
import { STANDARD, type Priority } from '../admission/priority.ts';

/** One client request on its way through the pipeline, from a validated body to its single outcome. */
export class ProxyRequest implements RouteRequest {
  readonly id: string;
  readonly arrivalMs: number;
  readonly group: string;
  readonly modelGroup: ModelGroup;
  readonly endpoint: Endpoint;
  /** Path appended to the deployment's api_base, e.g. `/chat/completions`. */
  readonly upstreamPath: string;
  readonly stream: boolean;
  readonly body: Record<string, unknown>;
  readonly raw: Buffer;
  readonly bodyBytes: number;
  readonly res: ServerResponse;
  /** Deployments already attempted, in order (created on the first retry only). */
  tried: Deployment[] | undefined;
  attempts = 0;
  /** Token estimate and prefix blocks, when the gateway keeps the fleet's load model. */
  prompt: PromptInfo | undefined;
  /** The load the attempt in progress holds on its engine's load model; released with the attempt. */
  permit: LoadPermit | undefined;
  /** The attempt in progress. */
  exchange: Exchange | undefined;
  /** The most recent attempt, finished or not. */
  lastAttempt: Exchange | undefined;
  /** Time spent waiting on attempts that failed: not the gateway's overhead. */
  failedUpstreamMs = 0;
  clientClosed = false;
  finished = false;
  lastFailure: Exchange | undefined;
  lastFailureKind: ExchangeEnd | undefined;
  /** Upstream body for `rewrittenFor` (the body with `model` replaced), kept across retries. */
  rewrittenFor: string | undefined;
  rewritten: Buffer | undefined;
  /** Last two body chunks of the relayed response, kept when tpm or the load model needs the upstream's usage, or an SSE stream its end. */
  tail: Buffer | undefined;
  prevTail: Buffer | undefined;
  /** The relayed response is an SSE stream the client asked for, which must end with `data: [DONE]`. */
  sse = false;
  /** A fault to inject (spillway.fault_injection, `x-spillway-fault`); undefined for every other request. */
  fault: Fault | undefined = undefined;
  /** The priority class (x-spillway-priority), set by back pressure's admission; routing's gate reads it. */
  priority: Priority = STANDARD;
  /** Back pressure's state for this request (admission, queue place, engine slot); undefined when off. */
  bp: Ticket | undefined = undefined;

  constructor(
    id: string,
    arrivalMs: number,
    modelGroup: ModelGroup,
    endpoint: Endpoint,
    upstreamPath: string,
    body: Record<string, unknown>,
    raw: Buffer,
    res: ServerResponse,
  ) {
    this.id = id;
    this.arrivalMs = arrivalMs;
    this.group = modelGroup.name;
    this.modelGroup = modelGroup;
    this.endpoint = endpoint;
    this.upstreamPath = upstreamPath;
    this.stream = body.stream === true;
    this.body = body;
    this.raw = raw;
    this.bodyBytes = raw.length;
    this.res = res;
  }

  /**
   * The bytes to send to `upstreamModel`: the client's own bytes when they name it once and plainly, else with
   * every top-level `model` replaced (also when the name is unchanged: a duplicate key must not reach the
   * upstream naming another model than the one routed on).
   */
  upstreamBody(upstreamModel: string): Buffer {
    if (this.rewrittenFor !== upstreamModel) {
      this.rewrittenFor = upstreamModel;
      this.rewritten = rewriteModel(this.raw, this.body, upstreamModel);
    }
    return this.rewritten!;
  }
}
