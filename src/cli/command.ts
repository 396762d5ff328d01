import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * A CLI command. `run` resolves with an exit code once the command is done; long-running
 * commands (serve, mock, engine) resolve only after a clean shutdown on SIGINT/SIGTERM.
 */
export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

/** Strict option parsing with a usage error that names the bad option. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got "${value}"`);
  return n;
}

/** Resolves on the first SIGINT or SIGTERM; the caller then shuts down what it started. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
