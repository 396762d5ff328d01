/**
 * How the fairness bench tells its tenants apart: each tenant is an API key declared in the gateway's YAML
 * (`spillway.keys.static`), sent by its own `spillway bench` process.
 */
export interface BenchTenant {
  /** The bearer token. */
  readonly key: string;
  readonly alias: string;
  readonly weight: number;
  /** Share of the offered load. */
  readonly share: number;
}

/** A offers ten times B's rate; equal weights, so B's fair share is half the capacity. */
export const BENCH_TENANTS: readonly BenchTenant[] = [
  { key: 'sk-bench-tenant-a', alias: 'A', weight: 1, share: 10 / 11 },
  { key: 'sk-bench-tenant-b', alias: 'B', weight: 1, share: 1 / 11 },
];

/** The `spillway:` lines (two-space indented) that declare the tenants' keys. */
export function tenantKeysYaml(tenants: readonly BenchTenant[]): string {
  const entries = tenants.map((t) => `      - { key: ${t.key}, key_alias: ${t.alias}, weight: ${t.weight} }\n`);
  return `  keys:\n    static:\n${entries.join('')}`;
}

/** The `spillway bench` arguments that send as tenant `t`. */
export function tenantArgs(t: BenchTenant): string[] {
  return ['--api-key', t.key];
}
