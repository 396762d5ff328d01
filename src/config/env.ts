import type { ConfigPath } from './path.ts';

/** LiteLLM's indirection: a string value `os.environ/NAME` stands for the environment variable NAME. */
export const ENV_PREFIX = 'os.environ/';

export interface MissingEnv {
  path: ConfigPath;
  name: string;
}

/**
 * Replaces every `os.environ/NAME` string in the parsed YAML tree (in place) with the variable's value.
 * References to unset variables are left as they are and returned, so the caller can report them only
 * where they matter (a missing variable under a key Spillway ignores is not an error).
 */
export function resolveEnvRefs(root: unknown, env: NodeJS.ProcessEnv): MissingEnv[] {
  const missing: MissingEnv[] = [];
  const visit = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      if (!node.startsWith(ENV_PREFIX)) return node;
      const name = node.slice(ENV_PREFIX.length);
      const value = name === '' ? undefined : env[name];
      if (value === undefined) missing.push({ path, name });
      return value ?? node;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = visit(node[i], [...path, i]);
    } else if (node !== null && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      for (const key of Object.keys(obj)) obj[key] = visit(obj[key], [...path, key]);
    }
    return node;
  };
  visit(root, []);
  return missing;
}
