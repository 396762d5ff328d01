/**
 * What the gateway knows about a request once the ingress has read it: built once, read-only after. Every
 * header the pipeline decides on is parsed here (by the ingress, ../ingress/request-headers.ts), so nothing
 * below the ingress reads node:http objects. It is the `RouteRequest` routing sees.
 */
import { type Priority, STANDARD } from '../admission/priority.ts';
import type { Endpoint } from '../config/types.ts';
import type { Fault } from '../outcome/internal-error.ts';
import type { PromptInfo } from '../prefix/prompt-info.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { RouteRequest } from '../routing/types.ts';
import { cappedPriority } from '../tenants/tenant.ts';
import type { Tenant } from '../tenants/types.ts';
import { type BodyFormat, JSON_BODY } from '../upstream/body-format.ts';

export const TTFT_BUDGET_HEADER = 'x-spillway-ttft-budget-ms';

/** The request's headers as the pipeline reads them (parsed before the body is read). */
export interface RequestHeaders {
  /** The class `x-spillway-priority` names; -1 when it names none (refused when back pressure is on). */
  readonly priority: Priority | -1;
  /** `x-spillway-ttft-budget-ms`; undefined when absent, NaN when not a positive number (refused at admission). */
  readonly ttftBudgetMs: number | undefined;
  /** `x-spillway-status-events` asks for queue status comments on a stream. */
  readonly statusEvents: boolean;
  /** A fault to inject (spillway.fault_injection, `x-spillway-fault`); undefined for every other request. */
  readonly fault: Fault | undefined;
  /** The client's W3C `traceparent`, when well-formed: continued by tracing, else passed to the engine as is. */
  readonly traceparent?: string;
  /** `x-litellm-tags`, for tag-based routing; undefined when absent. */
  readonly tagsHeader?: string;
}

export interface RequestContextOptions {
  id: string;
  arrivalMs: number;
  modelGroup: ModelGroup;
  endpoint: Endpoint;
  /** Path appended to the deployment's api_base, e.g. `/chat/completions`. */
  upstreamPath: string;
  /** The path goes after the api_base's root (its path without `/v1`), as vLLM's `/tokenize`. Default false. */
  fromRoot?: boolean;
  /** How the body is rewritten for a deployment and sent (../upstream/body-format.ts). Default JSON. */
  format?: BodyFormat;
  body: Record<string, unknown>;
  raw: Buffer;
  headers: RequestHeaders;
  prompt: PromptInfo | undefined;
  /** The key's tenant; undefined with keys off or the master key. */
  tenant?: Tenant;
}

export class RequestContext implements RouteRequest {
  readonly id: string;
  readonly arrivalMs: number;
  readonly group: string;
  readonly modelGroup: ModelGroup;
  readonly endpoint: Endpoint;
  readonly upstreamPath: string;
  readonly fromRoot: boolean;
  readonly format: BodyFormat;
  readonly stream: boolean;
  readonly body: Record<string, unknown>;
  readonly raw: Buffer;
  readonly bodyBytes: number;
  /**
   * The priority class; standard when the header is absent or back pressure is off and it names none; never above
   * the tenant's cap.
   */
  readonly priority: Priority;
  readonly ttftBudgetMs: number | undefined;
  readonly statusEvents: boolean;
  readonly fault: Fault | undefined;
  readonly traceparent: string | undefined;
  /** Token estimate and prefix blocks, when the gateway keeps the fleet's load model. */
  readonly prompt: PromptInfo | undefined;
  /** Who sends the request (src/tenants/types.ts); undefined with keys off or the master key. */
  readonly tenant: Tenant | undefined;
  readonly tagsHeader: string | undefined;

  constructor(o: RequestContextOptions) {
    this.id = o.id;
    this.arrivalMs = o.arrivalMs;
    this.group = o.modelGroup.name;
    this.modelGroup = o.modelGroup;
    this.endpoint = o.endpoint;
    this.upstreamPath = o.upstreamPath;
    this.fromRoot = o.fromRoot ?? false;
    this.format = o.format ?? JSON_BODY;
    this.stream = o.body.stream === true;
    this.body = o.body;
    this.raw = o.raw;
    this.bodyBytes = o.raw.length;
    const h = o.headers;
    // A header naming no class reads as standard, still within the key's cap.
    this.priority =
      h.priority !== -1
        ? h.priority
        : o.tenant === undefined
          ? STANDARD
          : cappedPriority(STANDARD, o.tenant.maxPriority);
    this.ttftBudgetMs = h.ttftBudgetMs;
    this.statusEvents = h.statusEvents;
    this.fault = h.fault;
    this.traceparent = h.traceparent;
    this.prompt = o.prompt;
    this.tenant = o.tenant;
    this.tagsHeader = h.tagsHeader;
  }

  /** The same request, for a fallback group (the prompt's estimate is kept: the text is the same). */
  forGroup(modelGroup: ModelGroup): RequestContext {
    return new RequestContext({
      id: this.id,
      arrivalMs: this.arrivalMs,
      modelGroup,
      endpoint: this.endpoint,
      upstreamPath: this.upstreamPath,
      body: this.body,
      raw: this.raw,
      headers: this,
      prompt: this.prompt,
      tenant: this.tenant,
    });
  }
}
