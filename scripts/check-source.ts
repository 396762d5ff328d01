/**
 * CI check on src/: no import cycle between files, no two folders depending on each other, no file over 300
 * lines, no line over 120 columns. Prints every problem it finds (not only the first) and exits 1 if there is any.
 *
 *   node scripts/check-source.ts [root]      (root defaults to src/ beside this folder)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { wideLines } from './line-width.ts';
import {
  cyclesIn,
  cyclicGroups,
  folderGraph,
  type ImportGraph,
  importGraph,
  importsBetween,
  longFiles,
  testCode,
} from './source-graph.ts';

const MAX_LINES = 300;
/** Biome's lineWidth (biome.jsonc): this catches the strings and comments its formatter cannot wrap. */
const MAX_COLUMNS = 120;
/** Enough to show every cycle of a tangle worth untangling, without flooding the CI log with a dense one. */
const MAX_CYCLES_SHOWN = 50;

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'src'));
const sources = new Map<string, string>();
for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
  if (entry.endsWith('.ts')) sources.set(entry.split(sep).join('/'), readFileSync(join(root, entry), 'utf8'));
}

const files = importGraph(sources);
// Tests exercise several layers together, and production code never imports them or their fixtures: test code
// takes no part in the folders' order.
const tests = testCode(files, (file) => file.endsWith('.test.ts'));
const layered = new Map([...files].filter(([file]) => !tests.has(file)));
const problems = [...fileCycles(files), ...folderCycles(folderGraph(layered), layered), ...overLong(), ...overWide()];
for (const line of problems) console.log(line);
console.log(problems.length === 0 ? `${root}: ${sources.size} files, no problems` : '');
process.exitCode = problems.length === 0 ? 0 : 1;

function fileCycles(graph: ImportGraph): string[] {
  const lines: string[] = [];
  for (const group of cyclicGroups(graph)) {
    const cycles = cyclesIn(graph, group, MAX_CYCLES_SHOWN);
    const more = cycles.length === MAX_CYCLES_SHOWN ? ` (first ${MAX_CYCLES_SHOWN} shown)` : '';
    lines.push(`import cycle among ${group.length} files${more}:`);
    for (const cycle of cycles) lines.push(`  ${cycle.join(' → ')}`);
  }
  return lines;
}

function folderCycles(graph: ImportGraph, fileGraph: ImportGraph): string[] {
  const lines: string[] = [];
  for (const group of cyclicGroups(graph)) {
    lines.push(`folders depending on each other: ${group.join(', ')}`);
    for (const cycle of cyclesIn(graph, group, MAX_CYCLES_SHOWN)) {
      lines.push(`  ${cycle.join(' → ')}, through:`);
      for (let i = 0; i + 1 < cycle.length; i++) {
        for (const edge of importsBetween(fileGraph, cycle[i], cycle[i + 1])) lines.push(`    ${edge}`);
      }
    }
  }
  return lines;
}

function overLong(): string[] {
  return longFiles(sources, MAX_LINES).map(([file, lines]) => `${file}: ${lines} lines, over ${MAX_LINES}`);
}

function overWide(): string[] {
  return wideLines(sources, MAX_COLUMNS).map(
    ({ file, line, columns }) => `${file}:${line}: ${columns} columns, over ${MAX_COLUMNS}`,
  );
}
