/**
 * The import graph of a source tree, and the checks CI runs on it: no file-level import cycle, no two folders
 * that depend on each other (directly or round a longer loop), no file over the line limit.
 *
 * Imports are found by pattern, not by a parser: TypeScript 7's package ships the native compiler without the
 * JS compiler API, and the maintained graph tools (dependency-cruiser, madge) parse TypeScript through that API.
 * The patterns cover the forms this code base writes, each at the start of a line:
 *   import … from './x.ts'   import type … from './x.ts'   export … from './x.ts'   import './x.ts'
 * and anywhere: import('./x.ts') (a dynamic import, or `typeof import(…)` in a type). Type-only imports count:
 * they couple the files as much as value imports do, even though Node erases them.
 */
import { posix } from 'node:path';

/** File path (relative to the tree's root, '/'-separated) → the files it imports, in source order. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const STATIC_IMPORT = /^[ \t]*(?:import|export)\b[^'";]*?\bfrom\s*(['"])([^'"\n]+)\1/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** The module specifiers a source text imports, static ones first. */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of source.matchAll(pattern)) found.push(match[2]);
  }
  return found;
}

/** The graph over `sources` (path → text); only relative imports that name a file in `sources` are edges. */
export function importGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const targets: string[] = [];
    for (const specifier of importSpecifiers(text)) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (sources.has(target) && !targets.includes(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/**
 * Strongly connected components with more than one node, or a node importing itself (Tarjan's algorithm).
 * Every import cycle lies inside one of them; each is listed sorted, and the list is sorted by its first node.
 */
export function cyclicGroups(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    lowLink.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || graph.get(node)?.includes(node)) groups.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return groups.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * Every elementary cycle inside one cyclic group, each starting at its smallest node, up to `limit` of them.
 * A plain depth-first search from each start over larger nodes only: the groups are small, and a cycle is
 * found once, from its smallest node.
 */
export function cyclesIn(graph: ImportGraph, group: readonly string[], limit: number): string[][] {
  const members = new Set(group);
  const cycles: string[][] = [];
  for (const start of group) {
    const path = [start];
    const walk = (node: string): void => {
      for (const next of graph.get(node) ?? []) {
        if (cycles.length >= limit) return;
        if (next === start) cycles.push([...path, start]);
        else if (members.has(next) && next > start && !path.includes(next)) {
          path.push(next);
          walk(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return cycles;
}

/**
 * The test code in a graph: the files `isTest` names, and the files that only test code imports (fixtures such
 * as a test-support.ts), found by repeating until nothing changes. A file nothing imports is an entry point,
 * not test code.
 */
export function testCode(graph: ImportGraph, isTest: (file: string) => boolean): Set<string> {
  const importers = new Map<string, string[]>();
  for (const [file, targets] of graph) {
    for (const target of targets) importers.set(target, [...(importers.get(target) ?? []), file]);
  }
  const found = new Set([...graph.keys()].filter(isTest));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [file, by] of importers) {
      if (found.has(file) || !by.every((importer) => found.has(importer))) continue;
      found.add(file);
      grew = true;
    }
  }
  return found;
}

/** The graph between folders: a file's folder is its first path segment (a file at the root is its own). */
export function folderGraph(graph: ImportGraph): ImportGraph {
  const folders = new Map<string, string[]>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const edges = folders.get(from) ?? [];
    folders.set(from, edges);
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== from && !edges.includes(to)) edges.push(to);
    }
  }
  return folders;
}

export function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

/** The file-level imports that make folder `from` depend on folder `to`, as 'a/x.ts → b/y.ts'. */
export function importsBetween(graph: ImportGraph, from: string, to: string): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    if (folderOf(file) !== from) continue;
    for (const target of targets) if (folderOf(target) === to) found.push(`${file} → ${target}`);
  }
  return found;
}

/** Files longer than `maxLines` lines, with their length, longest first. */
export function longFiles(sources: ReadonlyMap<string, string>, maxLines: number): [string, number][] {
  const long: [string, number][] = [];
  for (const [file, text] of sources) {
    const lines = lineCount(text);
    if (lines > maxLines) long.push([file, lines]);
  }
  return long.sort((a, b) => b[1] - a[1]);
}

/** Lines as `wc -l` counts them for a file ending in a newline; a last line without one still counts. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  let lines = text.endsWith('\n') ? 0 : 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}
