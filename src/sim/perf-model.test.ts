import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundledProfiles, evalPolynomial, loadProfile } from './perf-model.ts';

test('the default profile reproduces the Dynamo mocker curves', () => {
  const p = loadProfile('default');
  // prefill(1000) = 16.50142 + 15.18344 + 0.4209989
  assert.ok(Math.abs(p.stepMs({ prefillTokens: 1000, decodeRequests: 0, kvUsage: 0 }) - 32.1058589) < 1e-9);
  // decode(0.5) = 5.74 + 27.005 - 6.435
  assert.ok(Math.abs(p.stepMs({ prefillTokens: 0, decodeRequests: 3, kvUsage: 0.5 }) - 26.31) < 1e-9);
  // A mixed step pays both.
  const mixed = p.stepMs({ prefillTokens: 1000, decodeRequests: 3, kvUsage: 0.5 });
  assert.ok(Math.abs(mixed - (32.1058589 + 26.31)) < 1e-9);
  assert.equal(p.stepMs({ prefillTokens: 0, decodeRequests: 0, kvUsage: 0 }), 0);
});

test('decode time has a floor', () => {
  const p = loadProfile('default');
  assert.equal(p.stepMs({ prefillTokens: 0, decodeRequests: 1, kvUsage: -10 }), 1);
});

test('every bundled profile loads; unknown names and bad files are clear errors', () => {
  assert.ok(bundledProfiles().includes('default'));
  for (const name of bundledProfiles()) assert.equal(loadProfile(name).name, name);
  assert.throws(() => loadProfile('nope'), /unknown profile "nope"/);
  assert.throws(() => loadProfile('/nonexistent/x.json'), /profile \/nonexistent\/x.json/);
});

test('polynomials are in ascending powers', () => {
  assert.equal(evalPolynomial([1, 2, 3], 2), 1 + 4 + 12);
});
