/** The fidelity table (docs/SIMULATOR.md): published, simulated and error for every figure of every sourced profile. */
import { frontEndOf } from '../front-end.ts';
import { perfModelFrom, readProfileJson } from '../perf-model.ts';
import { METRICS, type Metric, type ReplayRow, replaySweep, sourcedProfileSchema } from './sweep.ts';

const UNIT: Record<Metric, string> = {
  output_tok_s: 'out tok/s',
  ttft_p50_ms: 'TTFT p50 ms',
  tpot_p50_ms: 'TPOT p50 ms',
};

/** A bundled profile's name or a path carries a sweep when its file has `engine` and `sweep`. */
export function hasSweep(nameOrPath: string): boolean {
  return sourcedProfileSchema.safeParse(readProfileJson(nameOrPath)).success;
}

export function replayProfile(nameOrPath: string, promptScale = 1): ReplayRow[] {
  const raw = readProfileJson(nameOrPath);
  const p = sourcedProfileSchema.parse(raw);
  return replaySweep(perfModelFrom(raw, nameOrPath), p.engine, p.sweep, promptScale, frontEndOf(raw));
}

function cell(row: ReplayRow, m: Metric): string {
  const sim = fmt(row.simulated[m]);
  const published = row.published[m];
  if (published !== undefined) {
    const e = row.error[m] as number;
    return `${fmt(published)} → ${sim} (${e >= 0 ? '+' : ''}${(100 * e).toFixed(0)}%)`;
  }
  const derived = row.derived[m];
  return derived !== undefined ? `(${fmt(derived)} derived) → ${sim}` : `n/p → ${sim}`;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

export function fidelityTable(profile: string, rows: readonly ReplayRow[]): string {
  const lines = [
    `| ${profile} | ${METRICS.map((m) => UNIT[m]).join(' | ')} |`,
    `|---|${METRICS.map(() => '---').join('|')}|`,
  ];
  for (const row of rows) {
    const shape = `C=${row.concurrency}, ${row.inputTokens}→${row.outputTokens}`;
    lines.push(`| ${shape} | ${METRICS.map((m) => cell(row, m)).join(' | ')} |`);
  }
  return lines.join('\n');
}
