/**
 * When `spillway serve` re-reads its config file: on SIGHUP, and with `--watch-config` when the file changes
 * (a debounce joins the several events one save makes; a Kubernetes ConfigMap update swaps a symlink in the
 * file's directory, so the directory is watched). Reloads run one at a time; one asked for meanwhile runs
 * after it.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, loadConfigFile } from '../config/load.ts';
import type { GatewayConfig } from '../config/types.ts';
import type { ReloadResult } from './reloader.ts';

/** What a file reload drives: the gateway's (or a worker's) reload. */
export interface Reloadable {
  reload(config: GatewayConfig): ReloadResult;
  reloadInvalid(issues: readonly string[]): ReloadResult;
}

export const WATCH_DEBOUNCE_MS = 300;

/**
 * Reads `path` and applies it to `target`: errors of the file are the target's `invalid`. The log is flushed
 * after (the CLI's is written in batches), so the outcome is seen at once.
 */
export async function reloadFromFile(path: string, target: Reloadable, log: Logger): Promise<ReloadResult> {
  try {
    const { config, warnings } = await loadConfigFile(path);
    for (const w of warnings) log.warn(`config: ${w}`);
    return target.reload(config);
  } catch (err) {
    return target.reloadInvalid(err instanceof ConfigError ? err.issues : [String(err)]);
  } finally {
    log.flush();
  }
}

export interface ReloadTriggerOptions {
  path: string;
  /** Runs one reload (a file read and apply, or telling the workers to). */
  run(): Promise<unknown>;
  watch: boolean;
  debounceMs?: number;
  log: Logger;
}

/** Listens for SIGHUP (and file changes with `watch`); returns the function that stops listening. */
export function reloadTriggers(o: ReloadTriggerOptions): () => void {
  let running: Promise<unknown> | undefined;
  let again = false;
  const trigger = (): void => {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = o.run().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        trigger();
      }
    });
  };
  const onHup = (): void => {
    o.log.info({ path: o.path }, 'SIGHUP: reloading the config');
    o.log.flush();
    trigger();
  };
  process.on('SIGHUP', onHup);
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (o.watch) {
    const name = basename(o.path);
    watcher = watch(dirname(o.path), (_event, file) => {
      if (file !== null && file !== name && !file.startsWith('..')) return;
      clearTimeout(debounce);
      debounce = setTimeout(trigger, o.debounceMs ?? WATCH_DEBOUNCE_MS);
    });
  }
  return () => {
    process.off('SIGHUP', onHup);
    clearTimeout(debounce);
    watcher?.close();
  };
}
