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
import { createStrategy } from './routing/strategies/registry.ts';
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
  const groups = new Map<string, ModelGroup>();
  for (const name of new Set(config.deployments.map((d) => d.group))) {
    const members = deployments.filter((d) => d.config.group === name);
    groups.set(name, new ModelGroup(name, members, createStrategy(config.router.routingStrategy, { random })));
  }
  const upstreams = new Map<Deployment, Upstream>();
  for (const d of deployments) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.config.apiKey) headers.authorization = `Bearer ${d.config.apiKey}`;
    upstreams.set(d, { pool: createPool(d.config), pathPrefix: basePath(d.config), headers });
  }

  const metrics = new GatewayMetrics([...groups.values()]);
  const bpMetrics = new BackpressureMetrics(metrics.registry);
  const backpressure = config.backpressure && new BackPressure({ config: config.backpressure, groups, clock, random, metrics: bpMetrics });
  if (backpressure !== undefined) bpMetrics.attach(backpressure);
  const proxy = new Proxy({ upstreams, metrics, log, numRetries: config.router.numRetries, backpressure });
  const ingress = new Ingress({
    groups,
    proxy,
    ops: opsHandlers([...groups.values()], metrics),
    auth: config.server.masterKey ? new MasterKeyAuth(config.server.masterKey) : undefined,
    maxBodyBytes: config.server.maxRequestSizeBytes,
    publicHealth: config.server.publicHealth,
    publicMetrics: config.server.publicMetrics,
    backpressure,
    backpressureAdmin: backpressure && backpressureAdmin(backpressure),
    onRejected: (outcome, status, group) => {
      metrics.requests.inc({ model_group: group, deployment: 'none', status: String(status) });
      log.info({ outcome, status }, 'request refused');
    },
  });

  const server = createServer({ keepAliveTimeout: 65_000 }, ingress.handle);
  const inFlight = () => deployments.reduce((n, d) => n + d.inFlight, 0);

  return {
    server,
    groups,
    deployments,
    metrics,
    backpressure,
    async listen(port = config.server.port, host = config.server.host) {
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
      const deadline = Date.now() + graceMs;
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const clean = inFlight() === 0;
      server.closeAllConnections();
      await Promise.all([...upstreams.values()].map((u) => u.pool.destroy()));
      return clean;
    },
  };
}
