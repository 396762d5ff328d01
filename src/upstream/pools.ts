import { Pool } from 'undici';
import type { DeploymentConfig } from '../config/types.ts';

/**
 * One undici Pool per deployment: keep-alive connections, at most `connections` of them, requests beyond that
 * wait inside the pool. undici's own header/body timers are off; the exchange runs its own first-byte and total
 * deadlines so both are measured from dispatch.
 */
export function createPool(d: DeploymentConfig): Pool {
  const url = new URL(d.apiBase);
  return new Pool(url.origin, {
    connections: d.connections,
    pipelining: 1,
    connect: { timeout: d.connectTimeoutMs },
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
  });
}

/** The path prefix of api_base (e.g. `/v1`), to which the endpoint path is appended. */
export function basePath(d: DeploymentConfig): string {
  const p = new URL(d.apiBase).pathname;
  return p === '/' ? '' : p.replace(/\/$/, '');
}
