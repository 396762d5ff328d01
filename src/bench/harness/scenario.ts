/**
 * The frame every standing experiment runs in (`node bench/<name>.ts [--smoke] [--out DIR]`): a process group
 * that is stopped whatever happens, a hard time bound, and a report written as JSON, HTML and Markdown to
 * bench-results/<name>/ (or --out). --smoke runs the same code in seconds at tiny rates, so CI keeps it alive.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ProcGroup, REPO } from './procs.ts';

export interface ScenarioContext {
  smoke: boolean;
  outDir: string;
  procs: ProcGroup;
  /** Scenario-specific options, parsed with the spec the scenario gave. */
  args: Record<string, string | boolean | string[] | boolean[] | undefined>;
  log(message: string): void;
}

export interface ScenarioReport {
  /** Goes to stdout and into <name>.md: the tables to paste into docs/BENCHMARKS.md. */
  markdown: string;
  html: string;
  json: unknown;
}

export interface ScenarioSpec {
  name: string;
  /** Hard bounds on the whole run; past them everything is stopped and the run fails. */
  timeoutS: { full: number; smoke: number };
  options?: NonNullable<ParseArgsConfig['options']>;
}

export async function runScenario(
  spec: ScenarioSpec,
  body: (ctx: ScenarioContext) => Promise<ScenarioReport>,
): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { smoke: { type: 'boolean' }, out: { type: 'string' }, ...spec.options },
    strict: true,
  });
  const smoke = values.smoke === true;
  const outDir = path.resolve(
    typeof values.out === 'string' ? values.out : path.join(REPO, 'bench-results', spec.name + (smoke ? '-smoke' : '')),
  );
  await mkdir(outDir, { recursive: true });
  const procs = new ProcGroup();
  const t0 = Date.now();
  const ctx: ScenarioContext = {
    smoke,
    outDir,
    procs,
    args: values,
    log: (m) => process.stderr.write(`[${spec.name} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`),
  };
  const limitS = smoke ? spec.timeoutS.smoke : spec.timeoutS.full;
  let timer: NodeJS.Timeout | undefined;
  const overtime = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${spec.name}: exceeded its ${limitS} s bound`)), limitS * 1000);
  });
  const releaseSignals = procs.killOnExit();
  try {
    const report = await Promise.race([body(ctx), overtime]);
    await writeFile(path.join(outDir, `${spec.name}.json`), `${JSON.stringify(report.json, null, 2)}\n`);
    await writeFile(path.join(outDir, `${spec.name}.html`), report.html);
    await writeFile(path.join(outDir, `${spec.name}.md`), `${report.markdown}\n`);
    console.log(report.markdown);
    ctx.log(`report: ${path.join(outDir, spec.name)}.{md,html,json}`);
  } catch (err) {
    ctx.log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(timer);
    await procs.stopAll();
    releaseSignals();
  }
}

/** A Markdown table. */
export function mdTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** "date UTC, 2 × CPU model, memory, node version": the line every BENCHMARKS.md entry carries. */
export function machineLine(): string {
  const cpus = os.cpus();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return (
    `${date} UTC, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`
  );
}
