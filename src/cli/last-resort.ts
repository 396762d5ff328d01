import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';

/**
 * Last resort only: every request's path catches at its own entry points and ends that request
 * (docs/ARCHITECTURE.md, "Crash isolation"). What still escapes is a bug off any request's path; it is logged
 * and counted, and the process (or worker) serves on rather than cutting every stream in flight.
 */
export function catchTheRest(metrics: GatewayMetrics, log: Logger): void {
  const lastResort = (err: unknown): void => {
    metrics.internalErrors.inc({ stage: 'process' });
    log.error({ stage: 'process', err }, 'internal error');
  };
  process.on('uncaughtException', lastResort);
  process.on('unhandledRejection', lastResort);
}
