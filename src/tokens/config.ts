/**
 * How each model group's prompt tokens are counted on the hot path (`spillway.tokenizers`, keyed by group):
 *
 *   tokenizers:
 *     llama-70b: { kind: tokenizer_json, path: /models/llama-70b/tokenizer.json }   # the engine's own tokenizer
 *     gpt-4o:    { kind: embedded }                                                 # o200k_base (./tokenizer.ts)
 *     other:     { kind: estimate }                                                 # the default (./estimate.ts)
 *
 * Groups without an entry use the calibrated estimate: O(1) per request, where a tokenizer costs O(prompt)
 * (docs/BENCHMARKS.md, "Routing decision cost"). A tokenizer.json is read and built once, at config load, so a
 * missing or malformed file stops start-up with an issue naming its path.
 */
import { createRequire } from 'node:module';
import * as z from 'zod';
import type { TokenCounter } from './counter.ts';

// The tokenizers are loaded only when a group asks for one: o200k's ranks alone hold ~100 MB of heap, most of a
// gateway's resident memory otherwise. require() of an ES module is synchronous in Node 24, so config loading
// stays synchronous; this runs at start-up, never per request.
const requireLazily = createRequire(import.meta.url);
const embedded = (): TokenCounter => (requireLazily('./tokenizer.ts') as typeof import('./tokenizer.ts')).countTokens;
const tokenizerJson = (path: string): TokenCounter | string =>
  (requireLazily('./tokenizer-json.ts') as typeof import('./tokenizer-json.ts')).loadTokenizerJson(path);

const TOKENIZER_KINDS = ['estimate', 'embedded', 'tokenizer_json'] as const;

export const tokenizerShape = {
  kind: z.enum(TOKENIZER_KINDS).default('estimate'),
  /** The tokenizer.json file, for kind tokenizer_json; relative paths resolve from the working directory. */
  path: z.string().min(1, 'expected a file path').optional(),
};
export const TokenizerSchema = z.strictObject(tokenizerShape);

export interface TokenizerConfig {
  kind: 'embedded' | 'tokenizer_json';
  path?: string;
  /** Ready to call: built at config load. */
  countTokens: TokenCounter;
}

/** Counters for the groups that have one; groups left on the estimate are absent. Pushes `path: message` issues. */
export function normalizeTokenizers(
  raw: Record<string, z.output<typeof TokenizerSchema>>,
  groupNames: readonly string[],
  issues: string[],
): Record<string, TokenizerConfig> {
  const out: Record<string, TokenizerConfig> = {};
  for (const [group, t] of Object.entries(raw)) {
    const at = `spillway.tokenizers.${group}`;
    if (!groupNames.includes(group))
      issues.push(`${at}: no model group of that name (known: ${groupNames.join(', ')})`);
    if (t.kind !== 'tokenizer_json' && t.path !== undefined)
      issues.push(`${at}.path: only used with kind tokenizer_json`);
    if (t.kind === 'embedded') out[group] = { kind: 'embedded', countTokens: embedded() };
    if (t.kind !== 'tokenizer_json') continue;
    if (t.path === undefined) {
      issues.push(`${at}.path: expected the path of a tokenizer.json file (kind tokenizer_json)`);
      continue;
    }
    const loaded = tokenizerJson(t.path);
    if (typeof loaded === 'string') issues.push(`${at}.path: ${loaded}`);
    else out[group] = { kind: 'tokenizer_json', path: t.path, countTokens: loaded };
  }
  return out;
}
