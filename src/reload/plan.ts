/**
 * What a reload may change live. The model list (groups, deployments and their limits) is what a reload
 * swaps; every other section is built into parts that live as long as the process (listeners, the cluster,
 * the key store, back pressure's state, the router's retries and cooldown policy), so a change there is
 * logged as needing a restart and the running value stays.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GatewayConfig } from '../config/types.ts';

/** The sections kept from the running config on a reload, by the config's name for them. */
const RESTART_ONLY: readonly (readonly [keyof GatewayConfig, string])[] = [
  ['server', 'spillway server settings (host, port, ops_port, timeouts, master key...)'],
  ['router', 'router_settings'],
  ['backpressure', 'spillway.backpressure (change it live with PUT /admin/backpressure)'],
  ['tokenizers', 'spillway.tokenizers'],
  ['cluster', 'spillway.cluster'],
  ['keys', 'spillway.keys / general_settings.database_url'],
];

export interface ReloadPlan {
  /** The config to run: the new model list, every other section as it runs now. */
  config: GatewayConfig;
  /** The sections that changed in the file but keep their running value until a restart. */
  needsRestart: string[];
  /** Why the new file cannot be applied at all (the old config keeps serving); undefined when it can. */
  refused: string | undefined;
}

/**
 * `shared`: this instance shares its deployments' rows with others (`--workers`, `spillway.cluster`), laid out
 * by the deployment list at start: then ids and their order must stay (their settings may change).
 */
export function planReload(running: GatewayConfig, next: GatewayConfig, shared: boolean): ReloadPlan {
  const needsRestart = RESTART_ONLY.filter(([key]) => !isDeepStrictEqual(running[key], next[key])).map(
    ([, name]) => name,
  );
  const config: GatewayConfig = { ...running, deployments: next.deployments };
  const ids = (c: GatewayConfig) => c.deployments.map((d) => d.id);
  const refused =
    shared && !isDeepStrictEqual(ids(running), ids(next))
      ? 'with --workers or spillway.cluster the deployment ids and their order cannot change live (restart)'
      : undefined;
  return { config, needsRestart, refused };
}
