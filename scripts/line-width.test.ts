import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { wideLines } from './line-width.ts';

test('only lines over the limit are listed, by file and line; a column is a code point, not a UTF-16 unit', () => {
  const sources = new Map([
    ['b.ts', 'abcd\nabcde\n'],
    ['a.ts', 'abcdef\r\nabcd\r\nab→cd\n'],
    ['emoji.ts', '😀😀😀😀\n😀😀😀😀😀\n'],
    ['no-newline.ts', 'abcd\nabcdefg'],
  ]);
  assert.deepEqual(wideLines(sources, 4), [
    { file: 'a.ts', line: 1, columns: 6 },
    { file: 'a.ts', line: 3, columns: 5 },
    { file: 'b.ts', line: 2, columns: 5 },
    { file: 'emoji.ts', line: 2, columns: 5 },
    { file: 'no-newline.ts', line: 2, columns: 7 },
  ]);
});

test('check-source fails on a line over 120 columns and names it; 120 columns pass', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'check-source-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const check = () =>
    spawnSync(process.execPath, [join(import.meta.dirname, 'check-source.ts'), root], { encoding: 'utf8' });
  writeFileSync(join(root, 'a.ts'), `// ${'→'.repeat(117)}\n`);
  assert.equal(check().status, 0);
  writeFileSync(join(root, 'a.ts'), `// ${'→'.repeat(118)}\n`);
  const wide = check();
  assert.equal(wide.status, 1);
  assert.match(wide.stdout, /^a\.ts:1: 121 columns, over 120$/m);
});
