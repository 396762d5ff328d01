import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from './errors.ts';
import { parseConfig } from './load.ts';

const base = `
model_list:
  - { model_name: m, litellm_params: { model: openai/x, api_base: "http://127.0.0.1:1/v1" } }
`;

test('off by default: the config carries no back pressure at all', () => {
  assert.equal(parseConfig(base).config.backpressure, undefined);
  assert.equal(
    parseConfig(`${base}spillway: { backpressure: { enabled: false, router: { max_queue: 3 } } }`).config.backpressure,
    undefined,
  );
});

test('enabled: true is a complete configuration with the documented defaults', () => {
  const bp = parseConfig(`${base}spillway: { backpressure: { enabled: true } }`).config.backpressure!;
  assert.equal(bp.rejectStatus, 503);
  assert.deepEqual(bp.ingress.fractions, [1, 0.9, 0.7]);
  assert.equal(bp.ingress.kvOvercommit, 1.25);
  assert.equal(bp.ingress.shedRule, 'linear');
  assert.equal(bp.router.maxQueue, 1024);
  assert.equal(bp.router.kvBusy, 0.9);
  assert.deepEqual(bp.defaults, { ttftBudgetMs: 2000, ttftSloMs: 2000, itlSloMs: 200 });
  assert.equal(bp.engine.limitAlgorithm, 'gradient-slo');
  assert.equal(bp.engine.limit.tolerance, undefined);
  assert.equal(bp.engine.limit.queueSize, 'sqrt');
});

test('per-group overrides; the engine TTFT SLO follows the group budget unless set', () => {
  const bp = parseConfig(
    base +
      `spillway:
  backpressure:
    enabled: true
    reject_status: 429
    router: { ttft_budget_ms: 1500 }
    groups:
      m: { ttft_budget_ms: 800, max_in_flight: 40 }
`,
  ).config.backpressure!;
  assert.equal(bp.rejectStatus, 429);
  assert.deepEqual(bp.groups.m, { ttftBudgetMs: 800, ttftSloMs: 800, itlSloMs: 200, maxInFlight: 40 });
  assert.equal(bp.defaults.ttftBudgetMs, 1500);
});

test('bad values are reported together, with their paths', () => {
  assert.throws(
    () =>
      parseConfig(
        base +
          `spillway:
  backpressure:
    enabled: true
    reject_status: 500
    ingress: { priorities: { standard: 0.5, sheddable: 0.8 }, shedding: { rule: red } }
    engine: { limit: { algorithm: aimd } }
    groups: { nope: { ttft_budget_ms: 10 } }
`,
      ),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const text = e.issues.join('\n');
      assert.match(text, /spillway\.backpressure\.reject_status/);
      assert.match(text, /unknown shedding rule "red"/);
      assert.match(
        text,
        /unknown limit algorithm "aimd" \(known: gradient, gradient2, vegas, fixed, slo, gradient-slo\)/,
      );
      return true;
    },
  );
  assert.throws(
    () =>
      parseConfig(
        `${base}spillway: { backpressure: { enabled: true, ingress: { ` +
          `priorities: { standard: 0.5, sheddable: 0.8 } }, groups: { nope: {} } } }`,
      ),
    (e: unknown) =>
      e instanceof ConfigError &&
      /sheddable \(0.8\) must not exceed standard/.test(e.issues.join()) &&
      /groups\.nope: no model group/.test(e.issues.join()),
  );
});

test('an unknown key in a nested section gets a "did you mean"', () => {
  const { warnings } = parseConfig(`${base}spillway: { backpressure: { enabled: true, router: { max_queu: 5 } } }`);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /spillway\.backpressure\.router\.max_queu.*max_queue/);
});
