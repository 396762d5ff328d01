import type { Priority } from '../admission/priority.ts';
import type { DeploymentConfig, Endpoint } from '../config/types.ts';

/** What routing knows about the request being routed. Filled by ingress; later stages may add estimates. */
export interface RouteRequest {
  readonly group: string;
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  /** The parsed JSON body as the client sent it. */
  readonly body: Record<string, unknown>;
  readonly bodyBytes: number;
  /** The request's priority class, for back pressure's route gate; standard when absent. */
  readonly priority?: Priority;
}

/** Read-only view of a deployment's state that policies decide on. */
export interface DeploymentView {
  readonly id: string;
  readonly config: DeploymentConfig;
  /** Requests dispatched and not yet finished. */
  readonly inFlight: number;
}

/**
 * A routing policy: picks one deployment among candidates that are already filtered (usable, under their
 * limits, not yet tried for this request). Policies compute and never mutate; the pipeline reserves capacity.
 */
export interface RoutingStrategy<D extends DeploymentView = DeploymentView> {
  readonly name: string;
  pick(candidates: readonly D[], req: RouteRequest): D | undefined;
}
