import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint } from '../config/types.ts';
import { type InternalStage, injectFault } from '../outcome/internal-error.ts';
import { clipEcho, sendError } from '../outcome/openai-error.ts';
import { type Outcome, outcomes } from '../outcome/outcomes.ts';
import type { Refusal } from '../pipeline/backpressure/refusals.ts';
import type { Proxy } from '../pipeline/proxy.ts';
import { RequestContext, type RequestHeaders } from '../pipeline/request-context.ts';
import type { AdmissionStage } from '../pipeline/stages.ts';
import type { PromptInfo } from '../prefix/prompt-info.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { MasterKeyAuth } from './auth.ts';
import { type BodyTarget, readBody } from './body.ts';
import { tooDeepAt } from './json-depth.ts';
import { type LingerLimits, lingerOn, stillSending } from './linger.ts';
import { readRequestHeaders } from './request-headers.ts';
import { isOpsRoute, pathOf, type Route, routeTable } from './routes.ts';
import { validateBody } from './validate.ts';

/** Answers for the operational endpoints; the ingress only routes to them and guards them. */
export interface OpsHandlers {
  models(res: ServerResponse): void;
  liveness(res: ServerResponse): void;
  readiness(res: ServerResponse, draining: boolean): void;
  /** GET /health/upstreams: per group and deployment, state, failure rate and cooldown. */
  upstreams(res: ServerResponse): void;
  metrics(res: ServerResponse): void;
}

export interface IngressOptions {
  groups: Map<string, ModelGroup>;
  proxy: Proxy;
  ops: OpsHandlers;
  auth: MasterKeyAuth | undefined;
  maxBodyBytes: number;
  /** How much of a body still arriving after an early answer is read and discarded (./linger.ts). */
  linger: LingerLimits;
  /** When true the ops routes (health, metrics, admin) are served by `handleOps` only, on their own port. */
  separateOps: boolean;
  /** Deepest nesting of objects/arrays a body may have (spillway.max_json_depth). */
  maxJsonDepth: number;
  /** Honour `x-spillway-fault` (spillway.fault_injection). */
  faultInjection: boolean;
  publicHealth: boolean;
  publicMetrics: boolean;
  /** Called for requests the ingress answers itself (errors before routing), for metrics and logs. */
  onRejected(outcome: Outcome, status: number, reqId: string): void;
  /** An exception the ingress caught while handling request `reqId`: counted and logged (the request got a 500). */
  onInternalError(stage: InternalStage, reqId: string, err: unknown): void;
  /** Back pressure's admission stage, or the open one (src/pipeline/stages.ts). */
  admission: AdmissionStage;
  /** The load model's analysis of a prompt, once per request; undefined without a load model. */
  analyze(group: string, endpoint: Endpoint, body: Record<string, unknown>): PromptInfo | undefined;
  /** GET/PUT /admin/backpressure (src/ops/backpressure-admin.ts), present when back pressure is on. */
  backpressureAdmin?(req: IncomingMessage, res: ServerResponse): void;
}

const kIngress = Symbol('spillway.ingress');
interface Pending {
  id: string;
  arrivalMs: number;
  endpoint: Endpoint;
  upstreamPath: string;
  headers: RequestHeaders;
  res: ServerResponse;
}
type Tagged = IncomingMessage & { [kIngress]?: Pending };

/**
 * The first stage: everything that can be decided before routing, cheapest first — path, method, auth,
 * draining, content type and declared size before the body is read; JSON, fields and model group after.
 */
export class Ingress implements BodyTarget {
  draining = false;
  /** Proxy requests past the draining check whose response has not closed: what a graceful shutdown waits for. */
  private active = 0;
  private onIdle: (() => void) | undefined;
  // One listener for every response: 'close' follows 'finish' (the last byte is with the kernel) or a lost client.
  private readonly onResponseClose = (): void => {
    if (--this.active === 0) this.onIdle?.();
  };
  private readonly routes: Map<string, Route>;
  private readonly opsRoutes: Map<string, Route>;
  private readonly o: IngressOptions;
  private readonly knownGroups: string;

  constructor(o: IngressOptions) {
    this.o = o;
    this.knownGroups = [...o.groups.keys()].join(', ');
    const all = routeTable();
    this.opsRoutes = new Map([...all].filter(([, r]) => isOpsRoute(r)));
    this.routes = o.separateOps ? new Map([...all].filter(([, r]) => !isOpsRoute(r))) : all;
  }

  /** The node:http request listener of the public port (bound once). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => this.dispatch(req, res, this.routes);

  /** The request listener of the ops port (`spillway.ops_port`): health, metrics and admin routes only. */
  readonly handleOps = (req: IncomingMessage, res: ServerResponse): void => this.dispatch(req, res, this.opsRoutes);

  // Control comes here from node:http, so nothing may escape it.
  private dispatch(req: IncomingMessage, res: ServerResponse, routes: Map<string, Route>): void {
    const arrivalMs = performance.now();
    const idHeader = req.headers['x-request-id'];
    const id = typeof idHeader === 'string' && idHeader.length > 0 && idHeader.length <= 128 ? idHeader : randomUUID();
    try {
      this.accept(req, res, id, arrivalMs, routes);
    } catch (err) {
      this.internalError(req, res, id, err);
    }
  }

  private accept(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    arrivalMs: number,
    routes: Map<string, Route>,
  ): void {
    res.setHeader('x-request-id', id);
    const route = routes.get(pathOf(req.url ?? '/'));
    if (route === undefined)
      return this.refuse(req, res, 'path_not_found', `Unknown path ${req.method} ${clipEcho(pathOf(req.url ?? '/'))}.`);
    if (req.method !== route.method && !(req.method === 'PUT' && 'put' in route)) {
      res.setHeader('allow', 'put' in route ? `${route.method}, PUT` : route.method);
      return this.refuse(
        req,
        res,
        'method_not_allowed',
        `${req.method} is not allowed on ${clipEcho(pathOf(req.url ?? '/'))}; use ${route.method}.`,
      );
    }
    if (route.kind !== 'proxy') return this.ops(req, res, route);
    if (!this.authorized(req)) return this.unauthorized(req, res);
    // A body still arriving is read first and refused in onBody, so the answer can close the connection
    // without a reset while the client is still writing.
    if (this.draining && !stillSending(req)) return this.refuseDraining(req, res);
    this.active++;
    res.on('close', this.onResponseClose);
    const type = req.headers['content-type'];
    if (type === undefined || !type.startsWith('application/json')) {
      return this.refuse(
        req,
        res,
        'unsupported_media_type',
        `Content-Type must be application/json, got ${type === undefined ? 'none' : `"${clipEcho(type)}"`}.`,
      );
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.o.maxBodyBytes) return this.tooLarge(req, res);
    const headers = readRequestHeaders(req.headers, this.o.faultInjection);
    const refused = this.o.admission.precheck(headers.priority, arrivalMs);
    if (refused !== undefined) return this.refuseBackpressure(req, res, refused);
    (req as Tagged)[kIngress] = {
      id,
      arrivalMs,
      endpoint: route.endpoint,
      upstreamPath: route.upstreamPath,
      headers,
      res,
    };
    readBody(req, this.o.maxBodyBytes, this);
  }

  /**
   * An exception in the ingress's own handling of a request: counted and logged, answered 500 `internal_error`
   * (or the connection cut if the head went out). The active count stays exact: it follows the response's
   * 'close', which comes whatever happened. A body still arriving is discarded, never handed to onBody.
   */
  private internalError(req: IncomingMessage, res: ServerResponse, id: string, err: unknown): void {
    try {
      (req as Tagged)[kIngress] = undefined;
      this.o.onInternalError('ingress', id, err);
      if (res.headersSent) res.destroy();
      else
        this.refuse(
          req,
          res,
          'internal_error',
          `The gateway failed while handling this request (ingress); it was logged with request id ${id}.`,
        );
    } catch {
      res.destroy();
    }
  }

  /** Resolves true once every proxy request taken in has been answered, or false when `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onIdle = undefined;
        resolve(false);
      }, timeoutMs);
      this.onIdle = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve(true);
      };
    });
  }

  /** Called from the request's 'end' event (./body.ts): nothing may escape it either. */
  onBody(req: IncomingMessage, raw: Buffer): void {
    const p = (req as Tagged)[kIngress];
    if (p === undefined) return; // answered already (an internal error before the body was read)
    let ctx: RequestContext;
    try {
      const accepted = this.parse(req, p, raw);
      if (accepted === undefined) return;
      ctx = accepted;
    } catch (err) {
      return this.internalError(req, p.res, p.id, err);
    }
    this.o.proxy.start(ctx, p.res); // guards itself: it knows what the request holds
  }

  /** JSON, depth, fields, model group: the request's context, or undefined when it was refused. */
  private parse(req: IncomingMessage, p: Pending, raw: Buffer): RequestContext | undefined {
    // The body finished arriving after shutdown began: nothing has been done with it yet, so refuse it like any
    // request that arrives while draining rather than start work the shutdown would have to wait for.
    if (this.draining) return void this.refuseDraining(req, p.res);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return void this.refuse(
        req,
        p.res,
        'invalid_json',
        `The request body is not valid JSON: ${clipEcho((err as Error).message)}.`,
      );
    }
    // V8's parser is iterative and took any depth; every later walk of the body is bounded by this check.
    const deep = tooDeepAt(body, this.o.maxJsonDepth);
    if (deep !== undefined) {
      // A long path keeps its end, where the limit was crossed.
      const at = deep.length <= 512 ? deep : `…${deep.slice(-512)}`;
      return void this.refuse(
        req,
        p.res,
        'json_too_deep',
        `The request body nests objects/arrays deeper than ${this.o.maxJsonDepth} levels (spillway.max_json_depth), at ${at}.`,
        undefined,
        at,
      );
    }
    const invalid = validateBody(p.endpoint, body);
    if (invalid !== undefined)
      return void this.refuse(req, p.res, 'bad_request', invalid.message, undefined, invalid.param || null);
    const b = body as Record<string, unknown>;
    const group = this.o.groups.get(b.model as string);
    if (group === undefined) {
      return void this.refuse(
        req,
        p.res,
        'model_not_found',
        `The model "${clipEcho(b.model as string)}" does not exist. Known model groups: ${this.knownGroups}.`,
        undefined,
        'model',
      );
    }
    injectFault(p.headers.fault, 'ingress');
    const prompt = this.o.analyze(group.name, p.endpoint, b);
    return new RequestContext({
      id: p.id,
      arrivalMs: p.arrivalMs,
      modelGroup: group,
      endpoint: p.endpoint,
      upstreamPath: p.upstreamPath,
      body: b,
      raw,
      headers: p.headers,
      prompt,
    });
  }

  private refuseDraining(req: IncomingMessage, res: ServerResponse): void {
    // Sends the client to another instance.
    res.setHeader('connection', 'close');
    this.refuse(req, res, 'draining', 'The gateway is shutting down; retry on another instance.', 1000);
  }

  onBodyTooLarge(req: IncomingMessage): void {
    const p = (req as Tagged)[kIngress];
    if (p === undefined) return;
    try {
      this.tooLarge(req, p.res);
    } catch (err) {
      this.internalError(req, p.res, p.id, err);
    }
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse): void {
    this.refuse(
      req,
      res,
      'payload_too_large',
      `The request body exceeds max_request_size_mb (${(this.o.maxBodyBytes / 1048576).toFixed(1)} MB).`,
    );
  }

  private ops(req: IncomingMessage, res: ServerResponse, route: Route): void {
    switch (route.kind) {
      case 'models':
        return this.authorized(req) ? this.o.ops.models(res) : this.unauthorized(req, res);
      case 'metrics':
        return this.o.publicMetrics || this.authorized(req) ? this.o.ops.metrics(res) : this.unauthorized(req, res);
      case 'liveness':
        return this.o.publicHealth || this.authorized(req) ? this.o.ops.liveness(res) : this.unauthorized(req, res);
      case 'readiness':
        return this.o.publicHealth || this.authorized(req)
          ? this.o.ops.readiness(res, this.draining)
          : this.unauthorized(req, res);
      case 'upstreams':
        return this.o.publicHealth || this.authorized(req) ? this.o.ops.upstreams(res) : this.unauthorized(req, res);
      case 'backpressure':
        // Changes how the gateway refuses traffic: never without the master key, even when the API is open.
        if (this.o.auth === undefined)
          return this.refuse(
            req,
            res,
            'unauthorized',
            '/admin/backpressure needs general_settings.master_key to be set.',
          );
        if (!this.authorized(req)) return this.unauthorized(req, res);
        if (this.o.backpressureAdmin === undefined)
          return this.refuse(req, res, 'path_not_found', 'Back pressure is off (spillway.backpressure.enabled).');
        return this.o.backpressureAdmin(req, res);
    }
  }

  /** A back-pressure refusal before the body is read: the body is discarded unparsed. */
  private refuseBackpressure(req: IncomingMessage, res: ServerResponse, r: Refusal): void {
    lingerOn(req, this.o.linger);
    const status = this.o.admission.sendEarly(res, r);
    this.o.onRejected(r.outcome, status, res.getHeader('x-request-id') as string);
  }

  private authorized(req: IncomingMessage): boolean {
    return this.o.auth === undefined || this.o.auth.allows(req.headers.authorization);
  }

  private unauthorized(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('www-authenticate', 'Bearer');
    this.refuse(req, res, 'unauthorized', 'Missing or invalid API key: send "Authorization: Bearer <key>".');
  }

  private refuse(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Exclude<Outcome, 'upstream_response'>,
    message: string,
    retryAfterMs?: number,
    param: string | null = null,
  ): void {
    const o = outcomes[outcome];
    // Whatever the client still sends of a refused request is discarded, never parsed (bounded: ./linger.ts).
    lingerOn(req, this.o.linger);
    sendError(res, o.status, { message, type: o.type, param, code: o.code }, retryAfterMs);
    this.o.onRejected(outcome, o.status, res.getHeader('x-request-id') as string);
  }
}
