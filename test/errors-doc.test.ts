// The error codes in docs/ERRORS.md and the outcome table must agree, status and type included.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { outcomes } from '../src/outcome/outcomes.ts';

it('docs/ERRORS.md lists exactly the outcome table', async () => {
  const doc = await readFile(new URL('../docs/ERRORS.md', import.meta.url), 'utf8');
  const rows = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([a-z_]+)` \| (\d+) \| `([a-z_]+)` \|/gm)) rows.set(m[1], `${m[2]} ${m[3]}`);
  const table = new Map<string, string>();
  for (const o of Object.values(outcomes)) if (o.code !== '') table.set(o.code, `${o.status} ${o.type}`);
  assert.deepEqual(Object.fromEntries([...rows].sort()), Object.fromEntries([...table].sort()));
});
