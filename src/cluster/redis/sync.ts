import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { clockMinute } from '../../util/fixed-window.ts';
import { LEASE_SCRIPT } from './lease.ts';
import type { ClusterLink } from './link.ts';
import type { RedisLoad } from './load.ts';
import type { Peers } from './peers.ts';
import type { RedisQuotas } from './quota.ts';
import { snapshotValues } from './snapshot.ts';

const NONE: ReadonlySet<string> = new Set();

/** The pipeline with the command ./lease.ts defines. */
type LeasePipeline = ChainableCommander & {
  spillwayLease(key: string, ...args: (string | number)[]): ChainableCommander;
};

export interface SyncOptions {
  redis: Redis;
  instanceId: string;
  keyPrefix: string;
  memberTtlMs: number;
  link: ClusterLink;
  load: RedisLoad;
  quotas: RedisQuotas;
  peers: Peers;
}

/**
 * One round trip (a pipeline, never a request's): heartbeat, membership, own snapshot out, the window's
 * counts in and totals back, the peers' snapshots. Every `sync_interval_ms`, run by ./state.ts.
 *
 * Keys under `<prefix>:`: `boot` (an id set once per Redis data set: when it changes, Redis lost its data and
 * each instance counts its window again), `members` (sorted set, score = last heartbeat wall ms), `inst:<id>`
 * (the instance's snapshot, expiring after the member TTL) and `q:<minute>` (hash: the window's requests
 * and tokens per deployment and the rpm allowances, ./lease.ts; kept two windows).
 */
export class SyncRound {
  private readonly o: SyncOptions;
  /** What this instance sets `boot` to if it finds it unset; a new one each time it did (ids never repeat). */
  private bootCandidate = randomUUID();
  private boot: string | undefined = undefined;
  private seq = 0;
  private values = '';
  private snapshot = '';
  private writtenAt = Number.NEGATIVE_INFINITY;
  /** The live others read this round (the peers' keys, in order). */
  private reading: string[] = [];

  constructor(o: SyncOptions) {
    this.o = o;
    o.redis.defineCommand('spillwayLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  }

  private key(k: string): string {
    return `${this.o.keyPrefix}:${k}`;
  }

  async run(): Promise<void> {
    const { redis, link, quotas, memberTtlMs, instanceId } = this.o;
    const now = link.wall();
    const p = redis.pipeline();
    p.set(this.key('boot'), this.bootCandidate, 'NX', 'GET');
    p.zadd(this.key('members'), now, instanceId);
    // Liveness is the snapshot key's TTL (Redis's clock); the score only clears out members long gone.
    p.zremrangebyscore(this.key('members'), '-inf', now - 10 * memberTtlMs);
    p.zrange(this.key('members'), 0, -1);
    // Written when it changed, else often enough that its key outlives the member TTL.
    const write = this.nextSnapshot() || now - this.writtenAt >= memberTtlMs / 4;
    if (write) p.set(this.key(`inst:${instanceId}`), this.snapshot, 'PX', memberTtlMs);
    const window = clockMinute(now);
    const windows = quotas.all.map((c) => c.beginRound());
    const args: (string | number)[] = [link.instances, instanceId];
    for (const c of quotas.all) {
      const l = c.limits;
      args.push(l.id, c.sendingRequests, c.allowance > 0 ? c.allowance : 0, c.sendingTokens, l.rpm ?? -1);
    }
    (p as LeasePipeline).spillwayLease(this.key(`q:${window}`), ...args);
    const reading = this.reading;
    if (reading.length > 0) p.mget(reading.map((id) => this.key(`inst:${id}`)));
    let results: [Error | null, unknown][] | null;
    try {
      results = await p.exec();
      if (results === null) throw new Error('pipeline discarded');
      for (const [err] of results) if (err) throw err;
    } catch (err) {
      this.writtenAt = Number.NEGATIVE_INFINITY;
      quotas.all.forEach((c, i) => {
        c.roundFailed(windows[i]);
      });
      throw err;
    }
    if (write) this.writtenAt = now;
    const last = results.length - 1;
    this.checkBoot(results[0][1] as string | null);
    const gone = reading.length > 0 ? this.readPeers(reading, results[last][1] as (string | null)[]) : NONE;
    this.membership(results[3][1] as string[], gone);
    const counts = results[reading.length > 0 ? last - 1 : last][1] as number[];
    quotas.all.forEach((c, i) => {
      if (windows[i] === window) c.endRound(window, counts[3 * i], counts[3 * i + 1], counts[3 * i + 2]);
      else c.roundFailed(windows[i]);
    });
  }

  /** Builds a new snapshot when own rows or in flight changed since the last; says whether it did. */
  private nextSnapshot(): boolean {
    const { load, quotas } = this.o;
    const values = snapshotValues(load.own, quotas.all);
    // Taken every round: a change that came back to the same values must not date the next snapshot.
    const changedAt = load.takeChangedAt();
    if (values === this.values) return false;
    this.values = values;
    this.seq++;
    this.snapshot = `${this.seq} ${changedAt} ${values}`;
    return true;
  }

  /** Leaving: others stop counting this instance at once instead of after the member TTL. */
  async leave(): Promise<void> {
    const { redis, instanceId } = this.o;
    await redis
      .pipeline()
      .zrem(this.key('members'), instanceId)
      .del(this.key(`inst:${instanceId}`))
      .exec();
  }

  private checkBoot(old: string | null): void {
    const current = old ?? this.bootCandidate;
    if (old === null) this.bootCandidate = randomUUID();
    if (this.boot !== undefined && current !== this.boot) for (const c of this.o.quotas.all) c.recount();
    this.boot = current;
  }

  /** The members but those whose snapshot expired (`gone`): this instance's count and rank among them. */
  private membership(members: string[], gone: ReadonlySet<string>): void {
    const { link, instanceId, peers } = this.o;
    let rank = 0;
    let self = false;
    const others: string[] = [];
    const reading: string[] = [];
    for (const id of members) {
      if (id !== instanceId) reading.push(id);
      if (gone.has(id)) continue;
      if (id === instanceId) self = true;
      else others.push(id);
      if (id < instanceId) rank++;
    }
    link.instances = others.length + 1;
    link.rank = self ? rank : others.length;
    const live = new Set(others);
    for (const id of peers.ids()) if (!live.has(id)) peers.drop(id);
    // The dead are read again each round until the score horizon clears them: a restarted one comes back.
    this.reading = reading;
  }

  /** Applies the peers' snapshots; returns those whose key expired (dead: silent past the member TTL). */
  private readPeers(ids: readonly string[], snapshots: readonly (string | null)[]): ReadonlySet<string> {
    const peers = this.o.peers;
    let gone: Set<string> | undefined;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const raw = snapshots[i];
      if (raw !== null) {
        peers.read(id, raw);
        continue;
      }
      peers.drop(id);
      gone ??= new Set();
      gone.add(id);
    }
    return gone ?? NONE;
  }
}
