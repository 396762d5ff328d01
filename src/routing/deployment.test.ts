import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCooldown } from '../config/cooldown.ts';
import { deploymentConfig } from '../load/test-support.ts';
import { Deployment, type DeploymentPermit } from './deployment.ts';

const clock = () => 1_000_000;

test('a deployment permit holds one parallel slot and one request of the rpm window until its end', () => {
  const d = new Deployment({ ...deploymentConfig('e0'), maxParallelRequests: 1, rpm: 2 }, defaultCooldown(), clock);
  const first: DeploymentPermit = d.hold();
  assert.equal(d.inFlight, 1);
  assert.equal(d.hasCapacity(), false, 'the parallel slot is taken');
  first.end('failure');
  assert.equal(d.inFlight, 0);
  assert.equal(d.hasCapacity(), true);
  const second: DeploymentPermit = d.hold();
  second.end('success');
  assert.equal(d.hasCapacity(), false, 'two requests this minute: rpm counts holds, however they ended');
  assert.equal(d.accountingErrors, 0);
});

test('tpm counts the tokens a permit was told its response used, at its end, and nothing for one told none', () => {
  const d = new Deployment({ ...deploymentConfig('e0'), tpm: 100 }, defaultCooldown(), clock);
  const failed: DeploymentPermit = d.hold();
  failed.end('failure');
  assert.equal(d.hasCapacity(), true);
  const whole: DeploymentPermit = d.hold();
  whole.used(100);
  assert.equal(d.hasCapacity(), true, 'not before the end');
  whole.end('success');
  assert.equal(d.hasCapacity(), false, '100 tokens this minute');
  assert.equal(d.inFlight, 0);
});
