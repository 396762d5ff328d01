/** Runs locust headless (Debian's python3-locust) and reads its CSV stats. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pinned } from './procs.ts';

const exec = promisify(execFile);

export interface LocustOptions {
  locustfile: string;
  /** Base URL the locustfile's relative paths are joined to (ends with a slash). */
  host: string;
  users: number;
  spawnRate: number;
  runTimeS: number;
  /** Directory for the CSV files and the error log. */
  dir: string;
  env?: Record<string, string>;
  cpu?: number;
}

export interface LocustResult {
  requests: number;
  failures: number;
  medianMs: number;
  /** NaN when the CSV has no 90% column. */
  p90Ms: number;
  meanMs: number;
  rps: number;
  /** Failures by status ("status 429", ...), else by locust's error text. */
  failuresBy: Record<string, number>;
}

export async function runLocust(o: LocustOptions): Promise<LocustResult> {
  const prefix = path.join(o.dir, 'locust');
  const argv = pinned(
    [
      'locust',
      '-f',
      o.locustfile,
      '--headless',
      '-u',
      String(o.users),
      '-r',
      String(o.spawnRate),
      '-t',
      `${o.runTimeS}s`,
      '--host',
      o.host,
      '--csv',
      prefix,
      '--only-summary',
      '--exit-code-on-error',
      '0',
      '--loglevel',
      'WARNING',
    ],
    o.cpu,
  );
  await exec(argv[0], argv.slice(1), {
    env: { ...process.env, LOCUST_ERROR_LOG: path.join(o.dir, 'error.txt'), ...o.env },
    timeout: (o.runTimeS + 60) * 1000,
    maxBuffer: 16 << 20,
  });
  return parseLocustCsv(
    await readFile(`${prefix}_stats.csv`, 'utf8'),
    await readFile(`${prefix}_failures.csv`, 'utf8'),
  );
}

export function parseLocustCsv(stats: string, failures: string): LocustResult {
  const rows = csv(stats);
  const head = rows[0];
  const agg = rows.find((r) => r[head.indexOf('Name')] === 'Aggregated');
  if (!agg) throw new Error('locust stats CSV has no Aggregated row');
  const col = (name: string) => (head.includes(name) ? Number(agg[head.indexOf(name)]) : NaN);
  const failuresBy: Record<string, number> = {};
  const frows = csv(failures);
  for (const r of frows.slice(1)) {
    const raw = r[frows[0].indexOf('Error')];
    // Locust wraps the locustfile's message ("CatchResponseError('status 429')"); keep the status when there is one.
    const error = /status (\d{3})/.exec(raw)?.[0] ?? raw;
    failuresBy[error] = (failuresBy[error] ?? 0) + Number(r[frows[0].indexOf('Occurrences')]);
  }
  return {
    requests: col('Request Count'),
    failures: col('Failure Count'),
    medianMs: col('Median Response Time'),
    p90Ms: col('90%'),
    meanMs: col('Average Response Time'),
    rps: col('Requests/s'),
    failuresBy,
  };
}

/** Minimal CSV reader for the two small files locust writes (quoted fields, doubled quotes, as Python's csv module
 * writes them): a known shape that does not justify a dependency. */
function csv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const cells: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let v = '';
        i++;
        while (i < line.length) {
          if (line[i] === '"' && line[i + 1] === '"') {
            v += '"';
            i += 2;
          } else if (line[i] === '"') break;
          else v += line[i++];
        }
        cells.push(v);
        i += 2;
      } else {
        const j = line.indexOf(',', i);
        cells.push(line.slice(i, j < 0 ? line.length : j));
        i = j < 0 ? line.length + 1 : j + 1;
      }
    }
    rows.push(cells);
  }
  return rows;
}
