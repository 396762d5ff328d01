import assert from 'node:assert/strict';
import test from 'node:test';
import { ClassActivity } from './class-activity.ts';

test('a class uses all of an engine until one above it is active, then its fraction, all again after active_ms', () => {
  const a = new ClassActivity();
  assert.equal(a.share(1, 0.9, 0, 2000), 1, 'standard alone');
  assert.equal(a.share(2, 0.7, 0, 2000), 1, 'sheddable alone');
  a.admitted(1, 100);
  assert.equal(a.share(2, 0.7, 200, 2000), 0.7, 'sheddable under active standard');
  assert.equal(a.share(1, 0.9, 200, 2000), 1, 'standard is not held back by itself');
  a.admitted(0, 500);
  assert.equal(a.share(1, 0.9, 600, 2000), 0.9, 'standard under active critical');
  assert.equal(a.share(0, 1, 600, 2000), 1, 'critical always all');
  assert.equal(a.share(1, 0.9, 2500, 2000), 1, 'critical quiet for active_ms');
  assert.equal(a.share(2, 0.7, 2099, 2000), 0.7, 'standard still active');
  assert.equal(a.share(2, 0.7, 2100, 2000), 0.7, 'critical still active');
  assert.equal(a.share(2, 0.7, 2500, 2000), 1, 'neither');
});
