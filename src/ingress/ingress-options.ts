/** What the ingress is built with (./server.ts): the groups, the pipeline below it, the ops answers and limits. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint } from '../config/types.ts';
import type { InternalStage } from '../outcome/internal-error.ts';
import type { Outcome } from '../outcome/outcomes.ts';
import type { ProxyPipeline } from '../pipeline/proxy.ts';
import type { AdmissionStage } from '../pipeline/stages.ts';
import type { PromptInfo } from '../prefix/prompt-info.ts';
import type { ModelGroup } from '../routing/group.ts';
import type { ManagementAction } from '../tenants/management-routes.ts';
import type { KeyDirectory } from '../tenants/types.ts';
import type { MasterKeyAuth } from './auth.ts';
import type { LingerLimits } from './linger.ts';

/** Answers for the operational endpoints; the ingress only routes to them and guards them. */
export interface OpsHandlers {
  models(res: ServerResponse): void;
  liveness(res: ServerResponse): void;
  readiness(res: ServerResponse, draining: boolean): void;
  /** GET /health/upstreams: per group and deployment, state, failure rate and cooldown. */
  upstreams(res: ServerResponse): void;
  metrics(res: ServerResponse): void;
}

/** Which /ui route (src/ops/ui/handlers.ts). */
export type UiView = 'page' | 'asset' | 'snapshot' | 'events' | 'load';

export interface IngressOptions {
  /** The model groups at start; `Ingress.setGroups` replaces them (a config reload). */
  groups: ReadonlyMap<string, ModelGroup>;
  proxy: ProxyPipeline;
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
  /** GET /health, LiteLLM's shape (src/ops/health-endpoints.ts). */
  health?(res: ServerResponse): void;
  /** GET/PUT /admin/backpressure (src/ops/backpressure-admin.ts), present when back pressure is on. */
  backpressureAdmin?(req: IncomingMessage, res: ServerResponse): void;
  /** API keys (src/tenants): resolves a proxy request's Bearer token in place of the master-key check. */
  keys?: KeyDirectory;
  /** The key management API (src/ops/keys); the ingress checks the master key first. */
  management?(req: IncomingMessage, res: ServerResponse, action: ManagementAction): void;
  /** The operator page's routes (src/ops/ui/handlers.ts); the ingress checks the master key first. */
  ui?(req: IncomingMessage, res: ServerResponse, view: UiView): void;
}
