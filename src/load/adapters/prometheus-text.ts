/**
 * Reads the few samples a load adapter needs out of a Prometheus text exposition.
 *
 * Hand-written rather than a general parser: an engine's /metrics is hundreds of lines (mostly histogram
 * buckets) scraped ten times a second per engine, and we want five gauges. Lines whose name is not wanted are
 * skipped after a prefix test, without parsing labels or values; the packaged parsers build objects for every
 * line and family. Handles the text format's escapes in label values, `NaN`/`+Inf`, and an optional timestamp.
 */

export interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

export type Samples = Map<string, Sample[]>;

/** Samples of the `wanted` metric names (exact names, including any `_total` suffix). */
export function parsePrometheusText(text: string, wanted: readonly string[]): Samples {
  const out: Samples = new Map();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.charCodeAt(start) !== 35 /* # */) {
      for (let w = 0; w < wanted.length; w++) {
        const name = wanted[w];
        if (!text.startsWith(name, start)) continue;
        const after = text.charCodeAt(start + name.length);
        if (after !== 123 /* { */ && after !== 32 /* space */ && after !== 9 /* tab */) continue;
        const sample = parseSample(text, start + name.length, end);
        if (sample !== undefined) {
          let list = out.get(name);
          if (list === undefined) out.set(name, (list = []));
          list.push(sample);
        }
        break;
      }
    }
    start = end + 1;
  }
  return out;
}

function parseSample(text: string, from: number, end: number): Sample | undefined {
  const labels: Record<string, string> = {};
  let i = from;
  if (text.charCodeAt(i) === 123) {
    i++;
    for (;;) {
      while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 44 /* , */) i++;
      if (text.charCodeAt(i) === 125 /* } */) {
        i++;
        break;
      }
      const eq = text.indexOf('=', i);
      if (eq < 0 || eq >= end || text.charCodeAt(eq + 1) !== 34 /* " */) return undefined;
      const key = text.slice(i, eq).trim();
      let value = '';
      let j = eq + 2;
      for (; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c === 34) break;
        if (c === 92 /* \ */) {
          const n = text[++j];
          value += n === 'n' ? '\n' : n;
        } else value += text[j];
      }
      if (j >= end) return undefined;
      labels[key] = value;
      i = j + 1;
    }
  }
  const rest = text.slice(i, end).trim();
  const space = rest.search(/\s/);
  const value = parseValue(space < 0 ? rest : rest.slice(0, space));
  return value === undefined ? undefined : { labels, value };
}

function parseValue(s: string): number | undefined {
  if (s === 'NaN') return Number.NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === '') return undefined;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}

/** Sum of a metric's samples (an engine with several data-parallel ranks exposes one series per rank). */
export function sum(samples: Samples, name: string): number | undefined {
  const list = samples.get(name);
  if (list === undefined || list.length === 0) return undefined;
  let total = 0;
  for (const s of list) if (Number.isFinite(s.value)) total += s.value;
  return total;
}

/** Average of a metric's finite samples (for ratios such as a usage fraction reported per rank). */
export function mean(samples: Samples, name: string): number | undefined {
  const list = samples.get(name);
  if (list === undefined) return undefined;
  let total = 0;
  let n = 0;
  for (const s of list) {
    if (!Number.isFinite(s.value)) continue;
    total += s.value;
    n++;
  }
  return n === 0 ? undefined : total / n;
}
