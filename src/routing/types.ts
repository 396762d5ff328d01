import type { Priority } from '../admission/priority.ts';
import type { DeploymentConfig, Endpoint } from '../config/types.ts';
import type { EngineLoad } from '../load/engine-load.ts';
import type { PromptInfo } from '../prefix/prompt-info.ts';

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
  /**
   * Token estimate and prefix blocks (PromptAnalyzer), when the gateway keeps the fleet's load model; the
   * load-aware profiles read it. Absent for requests without a prompt (they count as a prompt of 0 tokens).
   */
  readonly prompt?: PromptInfo;
  /** The `x-litellm-tags` header as sent (comma-separated), for tag-based routing (./tag-pool.ts). */
  readonly tagsHeader?: string;
}

/** Read-only view of a deployment's state that policies decide on. */
export interface DeploymentView {
  readonly id: string;
  readonly config: DeploymentConfig;
  /** Requests dispatched and not yet finished. */
  readonly inFlight: number;
}

/**
 * A deployment with its engine's reconciled load: what the load-aware profiles (kv-aware, least-kv, prefix-hash)
 * decide on.
 */
export interface EngineView extends DeploymentView {
  readonly load: EngineLoad;
}

/**
 * A routing strategy: picks one deployment among candidates the group already filtered (usable, under their
 * limits, not yet tried for this request), or none. Over V: a strategy typed over EngineView can only be given
 * engines that carry their load. Strategies compute and never mutate; the pipeline reserves capacity.
 */
export interface RoutingStrategy<V extends DeploymentView = DeploymentView> {
  readonly name: string;
  pick<D extends V>(candidates: readonly D[], req: RouteRequest): D | undefined;
}
