// docs/LITELLM.md tells LiteLLM users what of their file is used, ignored with a warning, or refused. Its
// tables must name exactly the keys, providers and strategies the config loader and router know.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { OPENAI_COMPATIBLE, OTHER_PROTOCOL } from '../src/config/provider.ts';
import { KNOWN_KEYS } from '../src/config/schema.ts';
import { UNSUPPORTED } from '../src/config/unsupported.ts';
import { strategyNames } from '../src/routing/strategies/registry.ts';
import { LITELLM_KEYS } from './fixtures/litellm-keys.ts';

const doc = await readFile(new URL('../docs/LITELLM.md', import.meta.url), 'utf8');

/** The text of the `## title` section, up to the next `## `. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/LITELLM.md has a "## ${title}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Table rows of a section as [first cell, backticked names of the second cell]. */
function rows(text: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const m of text.matchAll(/^\| ([^|]+) \| ([^|]+) \|$/gm)) {
    if (m[1] === 'key' || m[1] === 'section' || m[1] === 'what' || m[1].startsWith('---')) continue;
    out.push([m[1].trim(), [...m[2].matchAll(/`([^`]+)`/g)].map((n) => n[1])]);
  }
  return out;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();
const LITELLM_SECTIONS = [
  '',
  'model_list[]',
  'model_list[].litellm_params',
  'model_list[].model_info',
  'router_settings',
  'general_settings',
];

it('"Used" lists exactly the LiteLLM keys the schema accepts', () => {
  const listed = rows(section('Used')).map(([key]) => /^`([^`]+)`$/.exec(key)?.[1] ?? key);
  const known: string[] = [];
  for (const s of LITELLM_SECTIONS) {
    for (const k of KNOWN_KEYS[s]) if (k !== 'spillway') known.push(s === '' ? k : `${s}.${k}`);
  }
  assert.deepEqual(sorted(listed), sorted(known));
});

it('"Warned and ignored" lists exactly src/config/unsupported.ts', () => {
  const listed: Record<string, string[]> = {};
  for (const [cell, keys] of rows(section('Warned and ignored'))) {
    const name = cell === '(top level)' ? '' : /^`([^`]+)`$/.exec(cell)![1];
    // A section may have a row in each table of the section.
    listed[name] = UNSUPPORTED[name]?.['*'] !== undefined ? ['*'] : [...(listed[name] ?? []), ...keys];
  }
  const expected: Record<string, string[]> = {};
  for (const [name, hints] of Object.entries(UNSUPPORTED)) expected[name] = Object.keys(hints);
  for (const k of Object.keys(expected)) expected[k].sort();
  for (const k of Object.keys(listed)) listed[k].sort();
  assert.deepEqual(listed, expected);
  // A section whose every key is ignored says so in words, not by listing keys.
  for (const [name, hints] of Object.entries(UNSUPPORTED)) {
    if (hints['*'] !== undefined)
      assert.match(section('Warned and ignored'), new RegExp(`\`${name.replace(/[[\].]/g, '\\$&')}\` \\| every key`));
  }
});

it('the provider tables list exactly the providers src/config/provider.ts accepts and refuses', () => {
  const refused = rows(section('Refused at start-up')).find(([what]) => what.startsWith('providers'))![1];
  assert.deepEqual(sorted(refused), sorted(Object.keys(OTHER_PROTOCOL)));
  const used = rows(section('Providers')).find(([what]) => what.startsWith('OpenAI-compatible'))![1];
  assert.deepEqual(sorted(used), sorted(OPENAI_COMPATIBLE));
});

it('every registered routing strategy is named, and the refused LiteLLM strategies are not registered', () => {
  const strategies = rows(section('Refused at start-up')).find(([what]) => what.includes('routing strategies'))![1];
  for (const name of strategies)
    assert.ok(!strategyNames().includes(name), `${name} is registered but listed as refused`);
  for (const name of strategyNames()) assert.ok(doc.includes(`\`${name}\``), `${name} is not named in docs/LITELLM.md`);
});

it('every key LiteLLM documents is used, or warned and ignored, never unknown; none is both', () => {
  for (const [section, keys] of Object.entries(LITELLM_KEYS)) {
    const used = KNOWN_KEYS[section] ?? [];
    const ignored = UNSUPPORTED[section] ?? {};
    for (const key of keys) {
      const path = section === '' ? key : `${section}.${key}`;
      assert.ok(used.includes(key) || ignored[key] !== undefined || ignored['*'] !== undefined, `${path} is unknown`);
    }
  }
  for (const [section, hints] of Object.entries(UNSUPPORTED))
    for (const key of Object.keys(hints))
      assert.ok(!(KNOWN_KEYS[section] ?? []).includes(key), `${section}.${key} is both used and ignored`);
});
