import { writeFile } from 'node:fs/promises';
import { renderBenchReport } from '../../bench/report/html.ts';
import { runBench } from '../../bench/run.ts';
import { formatLive, formatTable } from '../../bench/table.ts';
import type { Command } from '../command.ts';
import { BENCH_HELP, parseBenchArgs } from './bench-args.ts';

export const command: Command = {
  summary: 'SLA-aware load generator: open or closed loop, goodput, TTFT/ITL, JSON and HTML reports',
  help: BENCH_HELP,
  async run(argv) {
    const cli = parseBenchArgs(argv);
    const stop = new AbortController();
    // First Ctrl-C ends the arrivals and reports what was measured; the second one exits at once.
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const tty = process.stderr.isTTY && !cli.quiet;
    try {
      const result = await runBench(cli.options, {
        signal: stop.signal,
        ...(tty && { onTick: (live) => process.stderr.write(`\r\x1b[2K${formatLive(live)}`) }),
      });
      if (tty) process.stderr.write('\r\x1b[2K');
      console.log(formatTable(result));
      if (cli.jsonFile) await writeFile(cli.jsonFile, `${JSON.stringify(result, null, 2)}\n`);
      if (cli.htmlFile) await writeFile(cli.htmlFile, renderBenchReport(result));
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
