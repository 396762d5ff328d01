// deploy/prometheus/alerts.yaml: every alert says what happened and where its runbook is, and that runbook is a
// section of docs/OPERATIONS.md. (promtool checks and unit-tests the rules themselves: .ci/run.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAlertRules, readDoc } from './helpers/deploy.ts';

const SEVERITIES = new Set(['critical', 'warning']);

describe('the Prometheus alert rules', async () => {
  const rules = await readAlertRules();
  const anchors = headingAnchors(await readDoc('OPERATIONS.md'));

  it('are alerts with unique names', () => {
    const names = rules.map((r) => r.alert);
    assert.ok(
      names.length > 0 && names.every((n) => typeof n === 'string' && /^Spillway[A-Za-z]+$/.test(n)),
      `${names}`,
    );
    assert.equal(new Set(names).size, names.length);
  });

  it('each have a severity, a summary, a description and a runbook section in docs/OPERATIONS.md', () => {
    for (const r of rules) {
      assert.ok(SEVERITIES.has(r.labels?.severity ?? ''), `${r.alert}: severity ${r.labels?.severity}`);
      assert.ok((r.annotations?.summary ?? '').length > 0, `${r.alert}: summary`);
      assert.ok((r.annotations?.description ?? '').length > 0, `${r.alert}: description`);
      const runbook = /^docs\/OPERATIONS\.md#([a-z0-9-]+)$/.exec(r.annotations?.runbook ?? '');
      assert.ok(runbook, `${r.alert}: runbook docs/OPERATIONS.md#<section>, not ${r.annotations?.runbook}`);
      assert.ok(anchors.has(runbook[1]), `${r.alert}: docs/OPERATIONS.md has no section #${runbook[1]}`);
    }
  });
});

/** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replaceAll(' ', '-'),
    ),
  );
}
