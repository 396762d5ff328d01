import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint } from '../config/types.ts';
import { outcomes, type Outcome } from '../outcome/outcomes.ts';
import { sendError } from '../outcome/openai-error.ts';
import { ProxyRequest } from '../pipeline/proxy-request.ts';
import type { Proxy } from '../pipeline/proxy.ts';
import type { BackPressure } from '../pipeline/backpressure/controller.ts';
import { sendRefusal, type Refusal } from '../pipeline/backpressure/refusals.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { MasterKeyAuth } from './auth.ts';
import { readBody, type BodyTarget } from './body.ts';
import { lingerOn, stillSending, type LingerLimits } from './linger.ts';
import { isOpsRoute, pathOf, routeTable, type Route } from './routes.ts';
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
  publicHealth: boolean;
  publicMetrics: boolean;
  /** Called for requests the ingress answers itself (errors before routing), for metrics and logs. */
  onRejected(outcome: Outcome, status: number, group: string): void;
  /** Request back pressure; undefined when off. */
  backpressure?: BackPressure;
  /** GET/PUT /admin/backpressure (src/ops/backpressure-admin.ts), present when back pressure is on. */
  backpressureAdmin?(req: IncomingMessage, res: ServerResponse): void;
}

const kIngress = Symbol('spillway.ingress');
interface Pending {
  id: string;
  arrivalMs: number;
  endpoint: Endpoint;
  upstreamPath: string;
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

  private dispatch(req: IncomingMessage, res: ServerResponse, routes: Map<string, Route>): void {
    const arrivalMs = performance.now();
    const idHeader = req.headers['x-request-id'];
    const id = typeof idHeader === 'string' && idHeader.length > 0 && idHeader.length <= 128 ? idHeader : randomUUID();
    res.setHeader('x-request-id', id);
    const route = routes.get(pathOf(req.url ?? '/'));
    if (route === undefined) return this.refuse(req, res, 'path_not_found', `Unknown path ${req.method} ${pathOf(req.url ?? '/')}.`);
    if (req.method !== route.method && !(req.method === 'PUT' && 'put' in route)) {
      res.setHeader('allow', 'put' in route ? `${route.method}, PUT` : route.method);
      return this.refuse(req, res, 'method_not_allowed', `${req.method} is not allowed on ${pathOf(req.url ?? '/')}; use ${route.method}.`);
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
      return this.refuse(req, res, 'unsupported_media_type', `Content-Type must be application/json, got ${type === undefined ? 'none' : `"${type}"`}.`);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.o.maxBodyBytes) return this.tooLarge(req, res);
    const bp = this.o.backpressure;
    if (bp !== undefined) {
      const refused = bp.precheck(req.headers, arrivalMs);
      if (refused !== undefined) return this.refuseBackpressure(req, res, refused);
    }
    (req as Tagged)[kIngress] = { id, arrivalMs, endpoint: route.endpoint, upstreamPath: route.upstreamPath, res };
    readBody(req, this.o.maxBodyBytes, this);
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

  onBody(req: IncomingMessage, raw: Buffer): void {
    const p = (req as Tagged)[kIngress]!;
    // The body finished arriving after shutdown began: nothing has been done with it yet, so refuse it like any
    // request that arrives while draining rather than start work the shutdown would have to wait for.
    if (this.draining) return this.refuseDraining(req, p.res);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return this.refuse(req, p.res, 'invalid_json', `The request body is not valid JSON: ${(err as Error).message}.`);
    }
    const invalid = validateBody(p.endpoint, body);
    if (invalid !== undefined) return this.refuse(req, p.res, 'bad_request', invalid.message, undefined, invalid.param || null);
    const b = body as Record<string, unknown>;
    const group = this.o.groups.get(b.model as string);
    if (group === undefined) {
      return this.refuse(req, p.res, 'model_not_found', `The model "${b.model as string}" does not exist. Known model groups: ${this.knownGroups}.`, undefined, 'model');
    }
    this.o.proxy.start(new ProxyRequest(p.id, p.arrivalMs, group, p.endpoint, p.upstreamPath, b, raw, p.res));
  }

  private refuseDraining(req: IncomingMessage, res: ServerResponse): void {
    // Sends the client to another instance.
    res.setHeader('connection', 'close');
    this.refuse(req, res, 'draining', 'The gateway is shutting down; retry on another instance.', 1000);
  }

  onBodyTooLarge(req: IncomingMessage): void {
    this.tooLarge(req, (req as Tagged)[kIngress]!.res);
  }

  private tooLarge(req: IncomingMessage, res: ServerResponse): void {
    this.refuse(req, res, 'payload_too_large', `The request body exceeds max_request_size_mb (${(this.o.maxBodyBytes / 1048576).toFixed(1)} MB).`);
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
        return this.o.publicHealth || this.authorized(req) ? this.o.ops.readiness(res, this.draining) : this.unauthorized(req, res);
      case 'upstreams':
        return this.o.publicHealth || this.authorized(req) ? this.o.ops.upstreams(res) : this.unauthorized(req, res);
      case 'backpressure':
        // Changes how the gateway refuses traffic: never without the master key, even when the API is open.
        if (this.o.auth === undefined) return this.refuse(req, res, 'unauthorized', '/admin/backpressure needs general_settings.master_key to be set.');
        if (!this.authorized(req)) return this.unauthorized(req, res);
        if (this.o.backpressureAdmin === undefined) return this.refuse(req, res, 'path_not_found', 'Back pressure is off (spillway.backpressure.enabled).');
        return this.o.backpressureAdmin(req, res);
    }
  }

  /** A back-pressure refusal before the body is read: the body is discarded unparsed. */
  private refuseBackpressure(req: IncomingMessage, res: ServerResponse, r: Refusal): void {
    lingerOn(req, this.o.linger);
    const status = sendRefusal(res, r, this.o.backpressure!.config.rejectStatus, false);
    this.o.onRejected(r.outcome, status, 'none');
  }

  private authorized(req: IncomingMessage): boolean {
    return this.o.auth === undefined || this.o.auth.allows(req.headers.authorization);
  }

  private unauthorized(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('www-authenticate', 'Bearer');
    this.refuse(req, res, 'unauthorized', 'Missing or invalid API key: send "Authorization: Bearer <key>".');
  }

  private refuse(req: IncomingMessage, res: ServerResponse, outcome: Exclude<Outcome, 'upstream_response'>, message: string, retryAfterMs?: number, param: string | null = null): void {
    const o = outcomes[outcome];
    // Whatever the client still sends of a refused request is discarded, never parsed (bounded: ./linger.ts).
    lingerOn(req, this.o.linger);
    sendError(res, o.status, { message, type: o.type, param, code: o.code }, retryAfterMs);
    this.o.onRejected(outcome, o.status, 'none');
  }
}
