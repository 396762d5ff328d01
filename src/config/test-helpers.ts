import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from './load.ts';

/** The issues parseConfig throws for `text`; fails the test if it does not throw a ConfigError. */
export function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.message, err.issues.join('\n'));
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}
