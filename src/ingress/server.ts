import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setErrorDialect } from '../outcome/error-dialect.ts';
import { injectFault } from '../outcome/internal-error.ts';
import { clipEcho, sendError } from '../outcome/openai-error.ts';
import { type Outcome, outcomes } from '../outcome/outcomes.ts';
import type { Refusal } from '../pipeline/backpressure/refusals.ts';
import { RequestContext, type RequestHeaders } from '../pipeline/request-context.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { KeyLookup, Tenant } from '../tenants/types.ts';
import { bodyFormat } from '../upstream/body-format.ts';
import { type BodyTarget, readBody } from './body.ts';
import { endpointShapes } from './endpoint-shapes.ts';
import type { IngressOptions } from './ingress-options.ts';
import { lingerOn, stillSending } from './linger.ts';
import { answerOps } from './ops-routes.ts';
import { type BodyRules, parseBody } from './parse-body.ts';
import { readRequestHeaders } from './request-headers.ts';
import { findRoute, isOpsRoute, type ProxyRoute, pathOf, type Route, routeTable } from './routes.ts';

const kIngress = Symbol('spillway.ingress');
const MASTER: KeyLookup = { kind: 'master' };
const UNKNOWN: KeyLookup = { kind: 'unknown' };
const STORED_RESPONSE =
  "A stored response's follow-ups (GET/DELETE /v1/responses/{id}, input_items, cancel) are not routed: " +
  'the gateway cannot tell which engine holds the response. Send them to the engine, or use store: false ' +
  'and pass the conversation as input (docs/ROUTING.md, "Endpoints").';
interface Pending {
  id: string;
  arrivalMs: number;
  route: ProxyRoute;
  headers: RequestHeaders;
  tenant: Tenant | undefined;
  res: ServerResponse;
}
type Tagged = IncomingMessage & { [kIngress]?: Pending };

/**
 * The first stage: everything that can be decided before routing, cheapest first — path, method, auth,
 * draining, content type and declared size before the body is read; JSON, fields and model group after.
 */
export class Ingress implements BodyTarget {
  draining = false;
  /** Requests past the draining check whose response has not closed: what a graceful shutdown waits for. */
  private active = 0;
  private onIdle: (() => void) | undefined;
  // One listener for every response: 'close' follows 'finish' (the last byte is with the kernel) or a lost client.
  private readonly onResponseClose = (): void => {
    if (--this.active === 0) this.onIdle?.();
  };
  private readonly routes: Map<string, Route>;
  private readonly opsRoutes: Map<string, Route>;
  private readonly o: IngressOptions;
  /** Replaced whole by `setGroups` (a config reload): a request reads it once, when it looks its group up. */
  private bodyRules: BodyRules;

  constructor(o: IngressOptions) {
    this.o = o;
    this.bodyRules = { maxJsonDepth: o.maxJsonDepth, groups: o.groups, knownGroups: '' };
    this.setGroups(o.groups);
    const all = routeTable();
    this.opsRoutes = new Map([...all].filter(([, r]) => isOpsRoute(r)));
    this.routes = o.separateOps ? new Map([...all].filter(([, r]) => !isOpsRoute(r))) : all;
  }

  /** The model groups requests are routed to from now on (a reload's swap); requests already routed keep theirs. */
  setGroups(groups: ReadonlyMap<string, ModelGroup>): void {
    this.bodyRules = { maxJsonDepth: this.o.maxJsonDepth, groups, knownGroups: [...groups.keys()].join(', ') };
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
    const route = findRoute(routes, pathOf(req.url ?? '/'));
    if (route === undefined) return this.unknownPath(req, res);
    if (route.kind === 'stored_response') return this.refuse(req, res, 'stored_response_unsupported', STORED_RESPONSE);
    if (route.kind === 'proxy' && req.method !== route.method && endpointShapes[route.endpoint].guessed)
      return this.unknownPath(req, res);
    if (req.method !== route.method && !(req.method === 'PUT' && 'put' in route)) {
      res.setHeader('allow', 'put' in route ? `${route.method}, PUT` : route.method);
      return this.refuse(
        req,
        res,
        'method_not_allowed',
        `${req.method} is not allowed on ${clipEcho(pathOf(req.url ?? '/'))}; use ${route.method}.`,
      );
    }
    if (route.kind !== 'proxy') return answerOps(this, this.o, req, res, route);
    const shape = endpointShapes[route.endpoint];
    setErrorDialect(res, shape.errors);
    const who = this.o.keys === undefined ? (this.authorized(req) ? MASTER : UNKNOWN) : this.lookupKey(req);
    if (who.kind === 'unknown') return this.unauthorized(req, res);
    if (who.kind === 'expired') return this.refuse(req, res, 'key_expired', 'This API key has expired.');
    const tenant = who.kind === 'tenant' ? who.tenant : undefined;
    // A body still arriving is read first and refused in onBody, so the answer can close the connection
    // without a reset while the client is still writing.
    if (this.draining && !stillSending(req)) return this.refuseDraining(req, res);
    this.active++;
    res.on('close', this.onResponseClose);
    const type = req.headers['content-type'];
    if (type === undefined || !type.startsWith(shape.mediaType)) {
      return this.refuse(
        req,
        res,
        'unsupported_media_type',
        `Content-Type must be ${shape.mediaType}, got ${type === undefined ? 'none' : `"${clipEcho(type)}"`}.`,
      );
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.o.maxBodyBytes) return this.tooLarge(req, res);
    const headers = readRequestHeaders(req.headers, this.o.faultInjection, tenant);
    const refused = this.o.admission.precheck(headers.priority, arrivalMs);
    if (refused !== undefined) return this.refuseBackpressure(req, res, refused);
    (req as Tagged)[kIngress] = {
      id,
      arrivalMs,
      route,
      headers,
      tenant,
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
    // The body arrived after shutdown began: refuse it like any arrival while draining, before any work on it.
    if (this.draining) return void this.refuseDraining(req, p.res);
    const route = p.route;
    const parsed = parseBody(raw, route.endpoint, this.bodyRules, req.headers['content-type']);
    if ('outcome' in parsed) {
      if (endpointShapes[route.endpoint].guessed) return void this.unknownPath(req, p.res);
      return void this.refuse(req, p.res, parsed.outcome, parsed.message, undefined, parsed.param);
    }
    const { body: b, group } = parsed;
    injectFault(p.headers.fault, 'ingress');
    const prompt = this.o.analyze(group.name, route.endpoint, b);
    return new RequestContext({
      id: p.id,
      arrivalMs: p.arrivalMs,
      modelGroup: group,
      endpoint: route.endpoint,
      upstreamPath: route.upstreamPath,
      fromRoot: route.fromRoot,
      format: bodyFormat(req.headers['content-type']),
      body: b,
      raw,
      headers: p.headers,
      prompt,
      tenant: p.tenant,
    });
  }

  private unknownPath(req: IncomingMessage, res: ServerResponse): void {
    this.refuse(req, res, 'path_not_found', `Unknown path ${req.method} ${clipEcho(pathOf(req.url ?? '/'))}.`);
  }

  private refuseDraining(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('connection', 'close'); // sends the client to another instance
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

  /** A back-pressure refusal before the body is read: the body is discarded unparsed. */
  private refuseBackpressure(req: IncomingMessage, res: ServerResponse, r: Refusal): void {
    lingerOn(req, this.o.linger);
    const status = this.o.admission.sendEarly(res, r);
    this.o.onRejected(r.outcome, status, res.getHeader('x-request-id') as string);
  }

  authorized(req: IncomingMessage): boolean {
    return this.o.auth === undefined || this.o.auth.allows(req.headers.authorization);
  }

  authorizedOrTenant(req: IncomingMessage): boolean {
    return this.o.keys === undefined ? this.authorized(req) : this.lookupKey(req).kind !== 'unknown';
  }

  private lookupKey(req: IncomingMessage): KeyLookup {
    const h = req.headers.authorization;
    return h === undefined || !h.startsWith('Bearer ') ? UNKNOWN : this.o.keys!.lookup(h.slice(7).trim());
  }

  unauthorized(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('www-authenticate', 'Bearer');
    this.refuse(req, res, 'unauthorized', 'Missing or invalid API key: send "Authorization: Bearer <key>".');
  }

  refuse(
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
