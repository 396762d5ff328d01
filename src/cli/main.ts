// `spillway <command>`: each command is a module in ./commands, loaded only when asked for,
// so `spillway mock` does not pay for the gateway's imports and vice versa.
import type { Command } from './command.ts';

const commands: Record<string, () => Promise<{ command: Command }>> = {
  serve: () => import('./commands/serve.ts'),
  demo: () => import('./commands/demo.ts'),
  mock: () => import('./commands/mock.ts'),
  engine: () => import('./commands/engine.ts'),
  bench: () => import('./commands/bench.ts'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['Usage: spillway <command> [options]', '', 'Commands:'];
    for (const [n, load] of Object.entries(commands)) {
      const { command } = await load().catch(() => ({ command: undefined }));
      if (command) lines.push(`  ${n.padEnd(8)} ${command.summary}`);
    }
    lines.push('', 'Run `spillway <command> --help` for its options.');
    console.log(lines.join('\n'));
    return name === undefined ? 1 : 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`spillway: unknown command "${name}". Run \`spillway --help\`.`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
