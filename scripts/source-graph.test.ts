import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cyclesIn,
  cyclicGroups,
  folderGraph,
  importGraph,
  importSpecifiers,
  importsBetween,
  lineCount,
  longFiles,
  testCode,
} from './source-graph.ts';

test('finds every import form this code base writes, and nothing in ordinary code', () => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from './b.ts';",
    'import {',
    '  c,',
    '  type C,',
    "} from './c.ts';",
    "export { d } from './d.ts';",
    "export * from './e.ts';",
    "export type { F } from './f.ts';",
    "import './g.ts';",
    "import * as z from 'zod';",
    "const lazy = () => import('./h.ts');",
    "type T = typeof import('./i.ts');",
    "export const from = 'x'; // from './not-an-import.ts'",
    "const s = 'import from ./nope.ts';",
  ].join('\n');
  assert.deepEqual(importSpecifiers(source), [
    './a.ts',
    './b.ts',
    './c.ts',
    './d.ts',
    './e.ts',
    './f.ts',
    'zod',
    './g.ts',
    './h.ts',
    './i.ts',
  ]);
});

test('edges are the relative imports that name a file in the tree', () => {
  const graph = importGraph(
    new Map([
      ['a/x.ts', "import { y } from '../b/y.ts';\nimport z from 'zod';\nimport { w } from './missing.ts';"],
      ['b/y.ts', "import type { X } from '../a/x.ts';\nimport type { X2 } from '../a/x.ts';"],
    ]),
  );
  assert.deepEqual(
    [...graph],
    [
      ['a/x.ts', ['b/y.ts']],
      ['b/y.ts', ['a/x.ts']],
    ],
  );
});

test('cyclic groups and every cycle in them; an acyclic part is not reported', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c', 'a']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
    ['f', ['d']],
  ]);
  assert.deepEqual(cyclicGroups(graph), [['a', 'b', 'c'], ['e']]);
  assert.deepEqual(cyclesIn(graph, ['a', 'b', 'c'], 10), [
    ['a', 'b', 'c', 'a'],
    ['a', 'b', 'a'],
  ]);
  assert.deepEqual(cyclesIn(graph, ['a', 'b', 'c'], 1), [['a', 'b', 'c', 'a']]);
  assert.deepEqual(cyclesIn(graph, ['e'], 10), [['e', 'e']]);
});

test('folders: a file depends on another folder through any of its imports; the imports are named', () => {
  const graph = new Map([
    ['load/view.ts', ['routing/types.ts', 'load/engine.ts']],
    ['load/engine.ts', []],
    ['routing/types.ts', []],
    ['routing/pick.ts', ['load/view.ts']],
    ['gateway.ts', ['routing/pick.ts']],
  ]);
  const folders = folderGraph(graph);
  assert.deepEqual(
    [...folders],
    [
      ['load', ['routing']],
      ['routing', ['load']],
      ['gateway.ts', ['routing']],
    ],
  );
  assert.deepEqual(cyclicGroups(folders), [['load', 'routing']]);
  assert.deepEqual(importsBetween(graph, 'routing', 'load'), ['routing/pick.ts → load/view.ts']);
});

test('lines are counted as wc -l counts them, and only files over the limit are listed', () => {
  assert.equal(lineCount(''), 0);
  assert.equal(lineCount('a\n'), 1);
  assert.equal(lineCount('a\nb'), 2);
  assert.equal(lineCount('a\n\n'), 2);
  const sources = new Map([
    ['short.ts', 'a\nb\n'],
    ['long.ts', 'a\nb\nc\nd\n'],
    ['longer.ts', 'a\nb\nc\nd\ne\n'],
  ]);
  assert.deepEqual(longFiles(sources, 3), [
    ['longer.ts', 5],
    ['long.ts', 4],
  ]);
});

test('test code: the tests, and the files only test code imports; an unimported entry point is not', () => {
  const graph = new Map([
    ['a.test.ts', ['support.ts', 'a.ts']],
    ['support.ts', ['deeper-support.ts', 'a.ts']],
    ['deeper-support.ts', []],
    ['a.ts', ['shared.ts']],
    ['b.test.ts', ['shared.ts']],
    ['shared.ts', []],
    ['main.ts', ['a.ts']],
  ]);
  const found = testCode(graph, (file) => file.endsWith('.test.ts'));
  assert.deepEqual([...found].sort(), ['a.test.ts', 'b.test.ts', 'deeper-support.ts', 'support.ts']);
});
