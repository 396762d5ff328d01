import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import pino, { type Logger } from 'pino';
import type { GatewayConfig } from './config/types.ts';
import { MasterKeyAuth } from './ingress/auth.ts';
import { Ingress } from './ingress/server.ts';
import { GatewayMetrics } from './metrics/gateway-metrics.ts';
import { opsHandlers } from './ops/ops-handlers.ts';
import { Proxy, type Upstream } from './pipeline/proxy.ts';
import { BackPressure } from './pipeline/backpressure/controller.ts';
import { BackpressureMetrics } from './metrics/backpressure-metrics.ts';
import { backpressureAdmin } from './ops/backpressure-admin.ts';
import { Deployment } from './routing/deployment.ts';
import { ModelGroup } from './routing/group.ts';
import { strategyEntry } from './routing/strategies/registry.ts';
import { FleetLoad } from './load/fleet.ts';
import { DEFAULT_LOAD_SOURCE } from './load/config.ts';
import { registerLoadMetrics } from './load/metrics.ts';
import { basePath, createPool } from './upstream/pools.ts';
import { monotonicMs, type Clock } from './util/clock.ts';
import type { Random } from './util/random.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  logger?: Logger;
  random?: Random;
  clock?: Clock;
}

export interface Gateway {
  readonly server: Server;
  readonly groups: ReadonlyMap<string, ModelGroup>;
  readonly deployments: readonly Deployment[];
  readonly metrics: GatewayMetrics;
  /** Request back pressure; undefined when off. */
  readonly backpressure: BackPressure | undefined;
  /** The fleet's load model; kept only when a load-aware strategy, back pressure or a load report needs it. */
  readonly fleet: FleetLoad | undefined;
  /** Listens on host:port (port 0 = any free port) and resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Graceful stop: refuse new requests (readiness turns 503), let in-flight ones finish for up to `graceMs`,
   * then close everything. Resolves true when nothing had to be cut off.
   */
  shutdown(graceMs?: number): Promise<boolean>;
}

/** Wires the pipeline stages from a validated configuration. Nothing listens until `listen`. */
export function createGateway(o: GatewayOptions): Gateway {
  const { config } = o;
  const clock = o.clock ?? monotonicMs;
  const random = o.random ?? Math.random;
  const log = o.logger ?? pino({ level: config.server.logLevel });
  const cooldown = { allowedFails: config.router.allowedFails, cooldownTimeMs: config.router.cooldownTimeMs };

  const deployments = config.deployments.map((d) => new Deployment(d, cooldown, clock));
  const strategy = strategyEntry(config.router.routingStrategy);
  const needsLoad = strategy.loadAware || config.backpressure !== undefined || config.deployments.some((d) => d.load !== undefined && d.load.kind !== 'none');
  // Engines without their own `spillway.load` take back pressure's capacity settings as their defaults.
  const bpIngress = config.backpressure?.ingress;
  const bpLoad = bpIngress && { ...DEFAULT_LOAD_SOURCE, blockSize: bpIngress.blockSize, totalBlocks: bpIngress.kvCapacityBlocks || undefined };
  const groupCounters = new Map(Object.entries(config.tokenizers ?? {}).map(([group, t]) => [group, t.countTokens]));
  const fleet = needsLoad
    ? new FleetLoad({ clock, deployments: config.deployments.map((d) => ({ ...d, load: d.load ?? bpLoad })), groupCounters })
    : undefined;
  if (fleet !== undefined) for (const d of deployments) d.load = fleet.engine(d.id);
  const groups = new Map<string, ModelGroup>();
  for (const name of new Set(config.deployments.map((d) => d.group))) {
    const members = deployments.filter((d) => d.config.group === name);
    groups.set(name, new ModelGroup(name, members, strategy.create({ random })));
  }
  const upstreams = new Map<Deployment, Upstream>();
  for (const d of deployments) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.config.apiKey) headers.authorization = `Bearer ${d.config.apiKey}`;
    upstreams.set(d, { pool: createPool(d.config), pathPrefix: basePath(d.config), headers });
  }

  const metrics = new GatewayMetrics([...groups.values()]);
  if (fleet !== undefined) registerLoadMetrics(metrics.registry, fleet, (id) => deployments.find((d) => d.id === id)!.config.group, [...groups.keys()]);
  const bpMetrics = new BackpressureMetrics(metrics.registry);
  const backpressure =
    config.backpressure && new BackPressure({ config: config.backpressure, groups, clock, random, metrics: bpMetrics, engineLoad: (id) => fleet?.engine(id) });
  if (backpressure !== undefined) bpMetrics.attach(backpressure);
  const proxy = new Proxy({ upstreams, metrics, log, numRetries: config.router.numRetries, backpressure, fleet });
  const ingress = new Ingress({
    groups,
    proxy,
    ops: opsHandlers([...groups.values()], metrics),
    auth: config.server.masterKey ? new MasterKeyAuth(config.server.masterKey) : undefined,
    maxBodyBytes: config.server.maxRequestSizeBytes,
    maxJsonDepth: config.server.maxJsonDepth,
    faultInjection: config.server.faultInjection,
    publicHealth: config.server.publicHealth,
    publicMetrics: config.server.publicMetrics,
    backpressure,
    backpressureAdmin: backpressure && backpressureAdmin(backpressure),
    onRejected: (outcome, status, group) => {
      metrics.requests.inc({ model_group: group, deployment: 'none', status: String(status) });
      log.info({ outcome, status }, 'request refused');
    },
    onInternalError: (stage, reqId, err) => {
      metrics.internalErrors.inc({ stage });
      log.error({ req_id: reqId, stage, err }, 'internal error');
    },
  });

  const server = createServer({ keepAliveTimeout: 65_000 }, ingress.handle);

  return {
    server,
    groups,
    deployments,
    metrics,
    backpressure,
    fleet,
    async listen(port = config.server.port, host = config.server.host) {
      fleet?.start();
      server.listen(port, host);
      await once(server, 'listening');
      const a = server.address() as AddressInfo;
      return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
    },
    async shutdown(graceMs = config.server.drainGraceMs) {
      ingress.draining = true;
      backpressure?.shutdown();
      server.close();
      server.closeIdleConnections();
      const clean = await ingress.whenIdle(graceMs);
      server.closeAllConnections();
      await Promise.all([...upstreams.values()].map((u) => u.pool.destroy()));
      await fleet?.stop();
      return clean;
    },
  };
}
