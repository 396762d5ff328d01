/** What `createGateway` (./gateway.ts) takes and returns. */

import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ClusterState } from './cluster/types.ts';
import type { GatewayConfig } from './config/types.ts';
import type { OpsHandlers } from './ingress/ingress-options.ts';
import type { FleetLoad } from './load/fleet.ts';
import type { GatewayMetrics } from './metrics/gateway-metrics.ts';
import type { BackpressureAnswer } from './ops/backpressure-admin.ts';
import type { GatewayHealth } from './ops/health-endpoints.ts';
import type { OperatorPage } from './ops/ui/operator-page.ts';
import type { BackPressure } from './pipeline/backpressure/controller.ts';
import type { TenantGate } from './pipeline/tenant-gate.ts';
import type { ReloadResult } from './reload/reloader.ts';
import type { Deployment } from './routing/deployment.ts';
import type { ModelGroup } from './routing/group.ts';
import type { StrategyEntry } from './routing/strategies/registry.ts';
import type { KeyService } from './tenants/key-service.ts';
import type { KeyDirectory } from './tenants/types.ts';
import type { UsageSink } from './tenants/usage-sink.ts';
import type { Clock } from './util/clock.ts';
import type { Random } from './util/random.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  logger?: Logger;
  random?: Random;
  clock?: Clock;
  /** Routing strategies besides the built-in ones, by `routing_strategy` name. */
  strategies?: Readonly<Record<string, StrategyEntry>>;
  /**
   * The other instances fronting the same fleet (src/cluster): they share the deployments' limits, the
   * engines' load, cooldowns and penalties. Default: alone (`soloCluster` on `clock`). Started by `listen`,
   * stopped by `shutdown`.
   */
  cluster?: ClusterState;
  /** Listen with SO_REUSEPORT (Linux), so several workers accept on one port. */
  reusePort?: boolean;
  /** Answers for health and metrics in place of this process's own (a worker asks for the whole gateway's). */
  ops?: (own: OpsHandlers) => OpsHandlers;
  /** Back-pressure settings a PUT /admin/backpressure applied here (a worker tells the others). */
  onSettingsApplied?: (settings: unknown) => void;
  /** The answer of GET/PUT /admin/backpressure in place of this process's own (a worker's is the whole gateway's). */
  backpressureAnswer?: BackpressureAnswer;
  /** A key directory in place of `spillway.keys`'s (embedding, tests): it gives requests their tenants. */
  keys?: KeyDirectory;
  /** Where tenants' usage is flushed; default the key store (`spillway.keys`). */
  usageSink?: UsageSink;
}

export interface Gateway {
  /** The public listener. */
  readonly server: Server;
  /** The ops listener (`spillway.ops_port`: health, metrics, admin); undefined when off. */
  readonly opsServer: Server | undefined;
  /** The ops listener's base URL once `listen` resolved; undefined when off. */
  readonly opsUrl: string | undefined;
  /** The model groups and deployments in force now (a reload replaces both). */
  readonly groups: ReadonlyMap<string, ModelGroup>;
  readonly deployments: readonly Deployment[];
  /**
   * Applies a new config's model list live (src/reload): groups, deployments and their limits, swapped at
   * once; unchanged deployments keep their state, removed ones drain. Sections that need a restart are logged
   * and keep their running value. `refused` when it cannot apply (with other instances, a changed list of
   * deployment ids); the old config keeps serving.
   */
  reload(config: GatewayConfig): ReloadResult;
  /** A reload whose file did not load: logs its issues and counts it (spillway_config_reloads_total). */
  reloadInvalid(issues: readonly string[]): ReloadResult;
  /** Resolves once the deployments removed by reloads have drained and their pools are closed. */
  whenReloadDrained(): Promise<void>;
  readonly metrics: GatewayMetrics;
  /** Request back pressure; undefined when off. */
  readonly backpressure: BackPressure | undefined;
  /** The fleet's load model; kept only when a load-aware strategy, back pressure or a load report needs it. */
  readonly fleet: FleetLoad | undefined;
  /** The operator page (/ui): its feed, and where a load generator is attached. */
  readonly ui: OperatorPage;
  /** API keys (`spillway.keys`): their directory, cache and management API; undefined when off. */
  readonly keys: KeyService | undefined;
  /** The tenant gate, with keys on; undefined when off. */
  readonly tenants: TenantGate | undefined;
  /** Active health checks (their checker, when on) and GET /health. */
  readonly health: GatewayHealth;
  /** Listens on host:port (port 0 = any free port), and on the ops port if set; resolves with the public base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Graceful stop. For `delayMs` (default 0; `serve` passes `drain_delay_ms` on SIGTERM) the listeners stay
   * open while readiness answers 503 and new proxy requests get 503 `shutting_down` with `Connection: close`,
   * so load balancers see the instance leave instead of meeting refused connections. Then the listeners close,
   * in-flight requests get up to `graceMs` to finish, and everything is closed. Resolves true when nothing had
   * to be cut off.
   */
  shutdown(graceMs?: number, delayMs?: number): Promise<boolean>;
}
