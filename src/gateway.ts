import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { soloCluster } from './cluster/solo.ts';
import { DEFAULT_LOAD_SOURCE } from './config/load-source.ts';
import type { Gateway, GatewayOptions } from './gateway-types.ts';
import { MasterKeyAuth } from './ingress/auth.ts';
import { ConnectionStats, createListener, defaultMaxConnections, OPS_MAX_CONNECTIONS } from './ingress/connections.ts';
import { Ingress } from './ingress/server.ts';
import { FleetLoad } from './load/fleet.ts';
import { registerLoadMetrics } from './load/metrics.ts';
import { BackpressureMetrics } from './metrics/backpressure-metrics.ts';
import { GatewayMetrics } from './metrics/gateway-metrics.ts';
import { backpressureAdmin } from './ops/backpressure-admin.ts';
import { ManagementApi } from './ops/keys/api.ts';
import { opsHandlers } from './ops/ops-handlers.ts';
import { OperatorPage } from './ops/ui/operator-page.ts';
import { BackPressure } from './pipeline/backpressure/controller.ts';
import { applyClusterEvents } from './pipeline/cluster-events.ts';
import { loadNeeds } from './pipeline/load-needs.ts';
import { ProxyPipeline, type Upstream } from './pipeline/proxy.ts';
import { pipelineStages } from './pipeline/stages-build.ts';
import { tenantParts } from './pipeline/tenant-gate.ts';
import { Deployment } from './routing/deployment.ts';
import { hasLoad, ModelGroup } from './routing/group.ts';
import { strategyEntry, strategyRegistry } from './routing/strategies/registry.ts';
import type { EngineView, RoutingStrategy } from './routing/types.ts';
import { KeyService } from './tenants/key-service.ts';
import { basePath, createPool } from './upstream/pools.ts';
import { monotonicMs } from './util/clock.ts';

export type { Gateway, GatewayOptions } from './gateway-types.ts';

/** A group routed by a load-aware strategy: loadNeeds keeps the fleet's load model, so every member has its load. */
function loadAwareGroup(name: string, members: Deployment[], strategy: RoutingStrategy<EngineView>): ModelGroup {
  const engines = members.filter(hasLoad);
  if (engines.length !== members.length)
    throw new Error(`group ${name}: a load-aware strategy needs every engine's load`);
  return new ModelGroup(name, engines, strategy);
}

/** Wires the pipeline stages from a validated configuration. Nothing listens until `listen`. */
export function createGateway(o: GatewayOptions): Gateway {
  const { config } = o;
  const clock = o.clock ?? monotonicMs;
  const random = o.random ?? Math.random;
  const log = o.logger ?? pino({ level: config.server.logLevel });
  const cooldown = config.router.cooldown;
  const cluster = o.cluster ?? soloCluster(clock);

  const deployments = config.deployments.map((d) => new Deployment(d, cooldown, clock, cluster));
  const strategy = strategyEntry(strategyRegistry(o.strategies), config.router.routingStrategy);
  const needs = loadNeeds(config, strategy.loadAware);
  // Engines without their own `spillway.load` take back pressure's capacity settings as their defaults.
  const bpIngress = config.backpressure?.ingress;
  const bpLoad = bpIngress && {
    ...DEFAULT_LOAD_SOURCE,
    blockSize: bpIngress.blockSize,
    totalBlocks: bpIngress.kvCapacityBlocks || undefined,
  };
  const groupCounters = new Map(Object.entries(config.tokenizers ?? {}).map(([group, t]) => [group, t.countTokens]));
  const fleet = needs.fleet
    ? new FleetLoad({
        clock,
        deployments: config.deployments.map((d) => ({ ...d, load: d.load ?? bpLoad })),
        groupCounters,
        prefixes: needs.prefixes,
        // Alone there is nothing to tell: no share, so a token chunk costs no call into one.
        share: cluster.kind === 'solo' ? undefined : cluster.load,
      })
    : undefined;
  if (fleet !== undefined) for (const d of deployments) d.load = fleet.engine(d.id);
  const groups = new Map<string, ModelGroup>();
  for (const name of new Set(config.deployments.map((d) => d.group))) {
    const members = deployments.filter((d) => d.config.group === name);
    groups.set(
      name,
      strategy.loadAware
        ? loadAwareGroup(name, members, strategy.create({ random }))
        : new ModelGroup(name, members, strategy.create({ random })),
    );
  }
  const upstreams = new Map<Deployment, Upstream>();
  for (const d of deployments) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.config.apiKey) headers.authorization = `Bearer ${d.config.apiKey}`;
    const pathPrefix = basePath(d.config);
    upstreams.set(d, { pool: createPool(d.config), pathPrefix, rootPrefix: pathPrefix.replace(/\/v1$/, ''), headers });
  }

  const opsOn = config.server.opsPort !== undefined;
  const publicConnections = new ConnectionStats();
  const opsConnections = new ConnectionStats();
  const metrics = new GatewayMetrics(
    [...groups.values()],
    new Map(
      opsOn
        ? [
            ['public', publicConnections],
            ['ops', opsConnections],
          ]
        : [['public', publicConnections]],
    ),
  );
  if (fleet !== undefined)
    registerLoadMetrics(metrics.registry, fleet, (id) => deployments.find((d) => d.id === id)!.config.group, [
      ...groups.keys(),
    ]);
  const bpMetrics = new BackpressureMetrics(metrics.registry);
  const backpressure =
    config.backpressure &&
    new BackPressure({
      config: config.backpressure,
      groups,
      clock,
      random,
      metrics: bpMetrics,
      engineLoad: (id) => fleet?.engine(id),
    });
  if (backpressure !== undefined) bpMetrics.attach(backpressure);
  applyClusterEvents(cluster.events, deployments, backpressure);
  const stages = pipelineStages(backpressure, cluster.events);
  const keys = config.keys && new KeyService(config.keys, log);
  const directory = o.keys ?? keys?.directory;
  const { gate: tenants, usage } = tenantParts(directory, o.usageSink ?? keys, {
    registry: metrics.registry,
    clock,
    log,
  });
  const ui = new OperatorPage({ groups, backpressure, refusedBy: bpMetrics.refusedBy });
  const proxy = new ProxyPipeline({
    upstreams,
    metrics,
    log,
    numRetries: config.router.numRetries,
    admission: stages.admission,
    hooks: stages.hooks,
    router: stages.router,
    fleet,
    tenants,
  });
  const ownOps = opsHandlers([...groups.values()], metrics, cooldown);
  const ingress = new Ingress({
    groups,
    proxy,
    ops: o.ops?.(ownOps) ?? ownOps,
    auth: config.server.masterKey ? new MasterKeyAuth(config.server.masterKey) : undefined,
    maxBodyBytes: config.server.maxRequestSizeBytes,
    // Reading a refused body's rest is bounded like accepting two maximum-size bodies would be; enough for a
    // client that writes its whole body before it reads the answer, when the body is near the limit.
    linger: { ms: config.server.lingerMs, bytes: 2 * config.server.maxRequestSizeBytes },
    separateOps: opsOn,
    maxJsonDepth: config.server.maxJsonDepth,
    faultInjection: config.server.faultInjection,
    publicHealth: config.server.publicHealth,
    publicMetrics: config.server.publicMetrics,
    admission: stages.admission,
    analyze: fleet === undefined ? noPrompt : (group, endpoint, body) => fleet.analyze(group, endpoint, body),
    backpressureAdmin:
      backpressure && backpressureAdmin(backpressure, { applied: o.onSettingsApplied, answer: o.backpressureAnswer }),
    ui: ui.routes,
    keys: directory,
    management: keys && new ManagementApi({ keys, log }).handle,
    onRejected: (outcome, status, reqId) => {
      metrics.requests.inc({ model_group: 'none', deployment: 'none', status: String(status) });
      log.info({ req_id: reqId, outcome, status }, 'request refused');
    },
    onInternalError: (stage, reqId, err) => {
      metrics.internalErrors.inc({ stage });
      log.error({ req_id: reqId, stage, err }, 'internal error');
    },
  });

  const srv = config.server;
  // Descriptors the gateway needs besides client connections: every upstream pool socket and the ops budget.
  const reservedFds = config.deployments.reduce((n, d) => n + d.connections, 0) + (opsOn ? OPS_MAX_CONNECTIONS : 0);
  const timeouts = {
    headerTimeoutMs: srv.headerTimeoutMs,
    requestTimeoutMs: srv.requestTimeoutMs,
    keepAliveTimeoutMs: srv.keepAliveTimeoutMs,
  };
  const server = createListener(
    ingress.handle,
    { ...timeouts, maxConnections: srv.maxConnections ?? defaultMaxConnections(reservedFds) },
    publicConnections,
  );
  // Its own connection budget, so probes and scrapes get through while the public port is saturated.
  const opsServer = opsOn
    ? createListener(ingress.handleOps, { ...timeouts, maxConnections: OPS_MAX_CONNECTIONS }, opsConnections)
    : undefined;
  let opsUrl: string | undefined;
  const listeners = opsServer === undefined ? [server] : [server, opsServer];

  return {
    server,
    opsServer,
    get opsUrl() {
      return opsUrl;
    },
    groups,
    deployments,
    metrics,
    backpressure,
    fleet,
    ui,
    keys,
    tenants,
    async listen(port = config.server.port, host = config.server.host) {
      // First: a key store that cannot be reached is fatal at start-up, before anything else has started.
      await keys?.start();
      await cluster.start();
      fleet?.start();
      await ui.start();
      usage?.start();
      const reusePort = o.reusePort === true;
      const url = await listenOn(server, port, host, reusePort);
      if (opsServer !== undefined) opsUrl = await listenOn(opsServer, srv.opsPort!, srv.opsHost ?? host, reusePort);
      return url;
    },
    async shutdown(graceMs = srv.drainGraceMs, delayMs = 0) {
      ingress.draining = true;
      if (delayMs > 0) await sleep(delayMs);
      stages.shutdown();
      ui.close();
      for (const l of listeners) {
        l.close();
        l.closeIdleConnections();
      }
      const clean = await ingress.whenIdle(graceMs);
      for (const l of listeners) l.closeAllConnections();
      await Promise.all([...upstreams.values()].map((u) => u.pool.destroy()));
      await usage?.stop();
      await fleet?.stop();
      await cluster.stop();
      await keys?.stop();
      return clean;
    },
  };
}

function noPrompt(): undefined {
  return undefined;
}

async function listenOn(server: Server, port: number, host: string, reusePort: boolean): Promise<string> {
  server.listen({ port, host, reusePort });
  await once(server, 'listening');
  const a = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}
