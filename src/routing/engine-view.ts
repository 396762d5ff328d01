/**
 * What the load-aware strategies (kv-aware, least-kv, prefix-hash) need beyond the routing contract in
 * src/routing/types.ts: each candidate carries its EngineLoad, and the request carries its PromptInfo,
 * computed once per request by PromptAnalyzer before any strategy runs.
 */
import type { PromptInfo } from '../prefix/prompt-info.ts';
import type { EngineLoad } from '../load/engine-load.ts';
import type { DeploymentView, RouteRequest, RoutingStrategy } from './types.ts';

export interface EngineView extends DeploymentView {
  readonly load: EngineLoad;
}

export interface PromptRouteRequest extends RouteRequest {
  /** Absent for requests without a prompt (strategies then see a prompt of 0 tokens). */
  readonly prompt?: PromptInfo;
}

/** A strategy over EngineViews that reads the request's PromptInfo: kv-aware, least-kv, prefix-hash. */
export interface LoadAwareStrategy extends RoutingStrategy<EngineView> {
  pick<D extends EngineView>(candidates: readonly D[], req: PromptRouteRequest): D | undefined;
}
