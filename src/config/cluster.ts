/**
 * `spillway.cluster`: gateways on many machines share limits, load and cooldowns through Redis
 * (src/cluster/redis, docs/SCALING.md "Many machines: Redis"). Absent: one instance, nothing shared.
 * ./schema.ts mounts the shape; ./normalize.ts calls normalizeCluster.
 */
import * as z from 'zod';
import { numeric } from './coerce.ts';

const REDIS_URL = 'expected a redis:// or rediss:// URL';

/** The defaults, with why. */
export const CLUSTER_DEFAULTS = {
  /** One round trip per 5 ms: load another instance dispatched is seen within ~2 rounds (target ≤ 20 ms p99). */
  syncIntervalMs: 5,
  /** An instance silent this long stops counting: 200 missed rounds, well past a GC pause or a slow scrape. */
  memberTtlMs: 2_000,
  /** A round slower than this means Redis is slow or gone: enforce locally until a round is back under it. */
  timeoutMs: 100,
  keyPrefix: 'spillway',
} as const;

export const clusterShape = {
  redis_url: z
    .string({ error: REDIS_URL })
    .refine((s) => URL.canParse(s) && /^rediss?:$/.test(new URL(s).protocol), REDIS_URL),
  /** This instance's name in Redis; default host-pid-random, unique per process start. */
  instance_id: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces')
    .optional(),
  key_prefix: z.string().min(1).default(CLUSTER_DEFAULTS.keyPrefix),
  sync_interval_ms: numeric(z.int().positive()).default(CLUSTER_DEFAULTS.syncIntervalMs),
  member_ttl_ms: numeric(z.int().positive()).default(CLUSTER_DEFAULTS.memberTtlMs),
  timeout_ms: numeric(z.int().positive()).default(CLUSTER_DEFAULTS.timeoutMs),
};

export const ClusterSchema = z.strictObject(clusterShape).optional();

/** The normalised `spillway.cluster`. */
export interface ClusterConfig {
  redisUrl: string;
  instanceId?: string;
  keyPrefix: string;
  syncIntervalMs: number;
  memberTtlMs: number;
  timeoutMs: number;
}

export function normalizeCluster(file: NonNullable<z.output<typeof ClusterSchema>>): ClusterConfig {
  return {
    redisUrl: file.redis_url,
    ...(file.instance_id !== undefined && { instanceId: file.instance_id }),
    keyPrefix: file.key_prefix,
    syncIntervalMs: file.sync_interval_ms,
    memberTtlMs: file.member_ttl_ms,
    timeoutMs: file.timeout_ms,
  };
}
