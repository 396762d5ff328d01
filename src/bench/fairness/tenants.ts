/**
 * How the fairness bench tells its tenants apart: each tenant is an API key, sent by its own `spillway bench`
 * process, and the gateway knows the keys. Until the gateway's own keys are merged (`spillway.keys.static`,
 * issue 15) it is given them through bench/fairness-gateway.ts; then `startTenantGateway` becomes `startGatewayFor`
 * with the keys in the YAML, and nothing else changes.
 */
import path from 'node:path';
import { NODE_FLAGS } from '../../util/node-flags.ts';
import { type GatewayVariant, writeGatewayConfig } from '../harness/fleet.ts';
import { freePort, type Proc, REPO } from '../harness/procs.ts';
import type { ScenarioContext } from '../harness/scenario.ts';
import type { StubKey } from './stub-keys.ts';

export interface BenchTenant extends StubKey {
  /** Share of the offered load. */
  readonly share: number;
}

/** A offers ten times B's rate; equal weights, so B's fair share is half the capacity. */
export const BENCH_TENANTS: readonly BenchTenant[] = [
  { key: 'sk-bench-tenant-a', alias: 'A', weight: 1, share: 10 / 11 },
  { key: 'sk-bench-tenant-b', alias: 'B', weight: 1, share: 1 / 11 },
];

/** Spillway in front of `engines`, knowing the tenants' keys. */
export async function startTenantGateway(
  ctx: ScenarioContext,
  name: string,
  engines: Proc[],
  v: GatewayVariant,
  tenants: readonly StubKey[],
  cpu?: number,
): Promise<Proc> {
  const file = await writeGatewayConfig(ctx, name, engines, v);
  const port = await freePort();
  const script = path.join(REPO, 'bench/fairness-gateway.ts');
  const keys = JSON.stringify(tenants.map(({ key, alias, weight }) => ({ key, alias, weight })));
  const argv = ['node', ...NODE_FLAGS, script, '--config', file, '--port', String(port), '--keys', keys];
  return ctx.procs.start('spillway', { argv, port, ...(cpu !== undefined && { cpu }) });
}

/** The `spillway bench` arguments that send as tenant `t`. */
export function tenantArgs(t: StubKey): string[] {
  return ['--api-key', t.key];
}
