/**
 * A configuration that cannot run. Every issue is one line `path: message`, e.g.
 * `model_list[2].litellm_params.api_base: expected an http(s) URL`; the message lists them all, one per line,
 * so a start-up failure shows every problem at once instead of one per attempt.
 */
export class ConfigError extends Error {
  readonly issues: string[];
  /** Warnings gathered before the failure (unknown keys ...), so the caller can print them too. */
  readonly warnings: string[];

  constructor(issues: string[], warnings: string[] = []) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.warnings = warnings;
  }
}
