/**
 * Loads the YAML config: parse → resolve `os.environ/NAME` → validate (./schema.ts) → normalise
 * (./normalize.ts). Unknown keys are warned about and dropped; every other problem is collected and thrown
 * together as one ConfigError whose issues read `path: message`.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { type MissingEnv, resolveEnvRefs } from './env.ts';
import { ConfigError } from './errors.ts';
import { normalize } from './normalize.ts';
import { type ConfigPath, formatPath, sectionOf } from './path.ts';
import { ConfigFileSchema } from './schema.ts';
import type { GatewayConfig } from './types.ts';
import { unexpectedKeyMessage } from './unsupported.ts';

export { ConfigError } from './errors.ts';

export interface LoadedConfig {
  config: GatewayConfig;
  warnings: string[];
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? err})`]);
  }
  return parseConfig(text, env);
}

export function parseConfig(yamlText: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const warnings: string[] = [];
  const doc = parseDocument(yamlText, { merge: true });
  for (const w of doc.warnings) warnings.push(`yaml: ${yamlProblem(w)}`);
  if (doc.errors.length > 0)
    throw new ConfigError(
      doc.errors.map((e) => `yaml: ${yamlProblem(e)}`),
      warnings,
    );
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    throw new ConfigError([`yaml: ${(err as Error).message}`], warnings); // e.g. an alias to an unknown anchor
  }

  const missingEnv = resolveEnvRefs(raw, env);
  const first = ConfigFileSchema.safeParse(raw, { error: describeIssue });
  if (first.success && missingEnv.length === 0) return finish(first.data, warnings, env);

  // Unknown keys are warnings: drop them and validate again. Every other issue is an error, except those at
  // a value whose env variable is missing (the variable is the error), and missing variables under a
  // dropped key (Spillway would ignore the value anyway).
  const issues: string[] = [];
  const dropped: ConfigPath[] = [];
  const envPaths = new Set(missingEnv.map((m) => formatPath(m.path)));
  for (const issue of first.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        warnings.push(`${formatPath([...issue.path, key])}: ${unexpectedKeyMessage(sectionOf(issue.path), key)}`);
        dropped.push([...issue.path, key]);
        deleteAt(raw, issue.path, key);
      }
    } else if (!envPaths.has(formatPath(issue.path))) {
      issues.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  for (const m of missingEnv) if (!dropped.some((d) => isUnder(m.path, d))) issues.push(missingEnvIssue(m));
  if (issues.length > 0) throw new ConfigError(issues, warnings);

  const second = ConfigFileSchema.safeParse(raw, { error: describeIssue });
  if (!second.success) {
    // Cannot happen (only unknown keys were removed), but never start on a config that did not validate.
    throw new ConfigError(
      second.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
      warnings,
    );
  }
  return finish(second.data, warnings, env);
}

function finish(file: z.output<typeof ConfigFileSchema>, warnings: string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const issues: string[] = [];
  const config = normalize(file, issues, env);
  if (issues.length > 0) throw new ConfigError(issues, warnings);
  return { config, warnings };
}

function missingEnvIssue({ path, name }: MissingEnv): string {
  return name === ''
    ? `${formatPath(path)}: expected a variable name after os.environ/`
    : `${formatPath(path)}: environment variable ${name} is not set (referenced as os.environ/${name})`;
}

/** `line 2, column 1: Map keys must be unique`, without the yaml package's multi-line source excerpt. */
function yamlProblem(e: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const text = e.message.split('\n')[0].replace(/ at line \d+, column \d+:$/, '');
  const at = e.linePos?.[0];
  return at ? `line ${at.line}, column ${at.col}: ${text}` : text;
}

function deleteAt(root: unknown, path: ConfigPath, key: PropertyKey): void {
  let node = root as Record<PropertyKey, unknown> | undefined;
  for (const k of path) node = node?.[k] as Record<PropertyKey, unknown> | undefined;
  if (node && typeof node === 'object') delete node[key];
}

function isUnder(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => k === path[i]);
}

/** Plain-English messages for zod's issue codes; schema-level messages (e.g. the URL one) take precedence. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const what =
        issue.origin === 'number' || issue.origin === 'int' ? article(issue.origin) : `${issue.origin} length`;
      return (
        `expected ${what} ${op} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}, ` +
        `got ${describeValue(issue.input)}`
      );
    }
    case 'invalid_value':
      return (
        `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, ` +
        `got ${describeValue(issue.input)}`
      );
    default:
      return undefined;
  }
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}
