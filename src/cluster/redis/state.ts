/**
 * `spillway.cluster: { redis_url }`: gateways on many machines share their limits, load and cooldowns through
 * one Redis. The request path never waits on Redis: every read is of local numbers, and one pipelined round
 * trip every `sync_interval_ms` (./sync.ts) moves them.
 *
 * What each kind of state rides on: rpm on allowances a Lua script grants each round, so the instances' takes
 * never sum past the limit (./quota.ts, ./lease.ts; docs/SCALING.md "Why leased allowances for rpm" weighs
 * a script per request, as Envoy/Lyft ratelimit and redis-cell do, and LiteLLM's 1 s count sync); in flight
 * as each instance's share of what the last round left; tpm counted after each response, as alone; load and
 * in flight as per-instance snapshots (./snapshot.ts); cooldowns and penalties over pub/sub (./events.ts).
 *
 * Failure: a round that errs, or has not answered within `timeout_ms`, puts the instance in fallback — each
 * limit enforced locally over the last known instance count — with one log line and a metric; the first
 * round back under the budget resumes sharing. Redis losing its data (a restart) is seen by its `boot` key,
 * and every instance counts its current window again, so no limit is lost beyond what dead instances held.
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClusterConfig } from '../../config/cluster.ts';
import type { ClusterState } from '../types.ts';
import { RedisEvents } from './events.ts';
import { type ClusterLink, newLink } from './link.ts';
import { RedisLoad } from './load.ts';
import type { ClusterMetrics, ClusterMode } from './metrics.ts';
import { Peers } from './peers.ts';
import { type DeploymentLimits, RedisQuotas } from './quota.ts';
import { StalenessSamples } from './staleness.ts';
import { SyncRound } from './sync.ts';

export interface RedisClusterOptions {
  config: ClusterConfig;
  /** Every deployment in config order (the same model_list on every instance). */
  deployments: readonly DeploymentLimits[];
  log?: Pick<Logger, 'info' | 'warn'>;
  metrics?: ClusterMetrics;
  /** Wall-clock ms; injected by tests. */
  wall?: () => number;
}

export class RedisClusterState implements ClusterState {
  readonly kind = 'redis' as const;
  readonly instanceId: string;
  readonly link: ClusterLink;
  readonly load: RedisLoad;
  readonly quotas: RedisQuotas;
  readonly events: RedisEvents;
  readonly staleness = new StalenessSamples();
  mode: ClusterMode = 'fallback';
  private readonly config: ClusterConfig;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly round: SyncRound;
  private readonly opts: RedisClusterOptions;
  private timer: NodeJS.Timeout | undefined = undefined;
  private running: Promise<void> | undefined = undefined;
  private roundStart = 0;
  private roundWaiters: (() => void)[] = [];

  constructor(opts: RedisClusterOptions) {
    const c = opts.config;
    this.opts = opts;
    this.config = c;
    this.instanceId = c.instanceId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.link = newLink(opts.wall);
    this.load = new RedisLoad(this.link.wall);
    this.quotas = new RedisQuotas(opts.deployments, this.link);
    const redisOptions = {
      lazyConnect: true,
      // A command while disconnected fails at once: the round is skipped, never queued behind the outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1000, c.timeoutMs),
      commandTimeout: Math.max(1000, 10 * c.timeoutMs),
      retryStrategy: (times: number) => Math.min(50 * times, 500),
    };
    this.redis = new Redis(c.redisUrl, redisOptions);
    // Subscribing waits for the connection (the one command it queues); ioredis resubscribes on reconnect.
    this.subscriber = new Redis(c.redisUrl, { ...redisOptions, enableOfflineQueue: true });
    for (const r of [this.redis, this.subscriber]) r.on('error', noop);
    this.events = new RedisEvents(this.redis, `${c.keyPrefix}:events`, this.instanceId);
    this.subscriber.on('message', this.message);
    const peers = new Peers(this.load.others, this.quotas.all, this.link.wall, this.sampled);
    this.round = new SyncRound({
      redis: this.redis,
      instanceId: this.instanceId,
      keyPrefix: c.keyPrefix,
      memberTtlMs: c.memberTtlMs,
      link: this.link,
      load: this.load,
      quotas: this.quotas,
      peers,
    });
  }

  instances(): number {
    return this.link.instances;
  }

  /** Connects and runs the first round, within about the timeout; without Redis it starts in fallback. */
  async start(): Promise<void> {
    await Promise.allSettled([this.redis.connect(), this.subscriber.connect()]);
    this.subscriber.subscribe(this.events.channel).catch(noop);
    this.tick();
    await this.running;
    this.timer = setInterval(this.tick, this.config.syncIntervalMs);
    this.timer.unref();
  }

  /** Resolves when the next round ends, answered or not (tests and the micro benchmark wait on it). */
  nextRound(): Promise<void> {
    return new Promise((resolve) => this.roundWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    if (this.mode === 'shared') await this.round.leave().catch(noop);
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  private readonly tick = (): void => {
    if (this.running !== undefined) {
      if (performance.now() - this.roundStart > this.config.timeoutMs) this.enter('fallback', 'slow');
      return;
    }
    this.roundStart = performance.now();
    this.running = this.round.run().then(this.roundDone, this.roundFailed);
  };

  private readonly roundDone = (): void => {
    this.running = undefined;
    const slow = performance.now() - this.roundStart > this.config.timeoutMs;
    this.enter(slow ? 'fallback' : 'shared', slow ? 'slow' : 'ok');
    this.opts.metrics?.instances.set(this.link.instances);
    this.roundEnded();
  };

  private readonly roundFailed = (err: unknown): void => {
    this.running = undefined;
    this.enter('fallback', err instanceof Error ? err.message : String(err));
    this.roundEnded();
  };

  private roundEnded(): void {
    if (this.roundWaiters.length === 0) return;
    const waiters = this.roundWaiters;
    this.roundWaiters = [];
    for (const w of waiters) w();
  }

  private enter(mode: ClusterMode, reason: string): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.link.shared = mode === 'shared';
    this.opts.metrics?.entered(mode);
    const fields = { instance: this.instanceId, instances: this.link.instances, reason };
    if (mode === 'shared') this.opts.log?.info(fields, 'cluster state shared through redis');
    else this.opts.log?.warn(fields, 'cluster state fallback: limits enforced locally over the last instance count');
  }

  private readonly message = (channel: string, raw: string): void => {
    if (channel === this.events.channel) this.events.received(raw);
  };

  private readonly sampled = (ms: number): void => {
    this.staleness.add(ms);
    this.opts.metrics?.staleness.observe(ms / 1000);
  };
}

function noop(): void {}
