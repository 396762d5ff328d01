import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { defaultBackpressure } from '../../config/backpressure.ts';
import { defaultCooldown } from '../../config/cooldown.ts';
import { deploymentConfig } from '../../load/test-support.ts';
import { BackpressureMetrics } from '../../metrics/backpressure-metrics.ts';
import { Deployment } from '../../routing/deployment.ts';
import { ModelGroup } from '../../routing/group.ts';
import { leastBusy } from '../../routing/strategies/least-busy.ts';
import { seededRandom } from '../../util/random.ts';
import { BackPressure } from './controller.ts';
import { applySettings } from './settings.ts';

function controller() {
  const clock = () => 0;
  const deployments = [0, 1].map((i) => new Deployment(deploymentConfig(`e${i}`), defaultCooldown(), clock));
  const groups = new Map([['g', new ModelGroup('g', deployments, leastBusy(seededRandom(1)))]]);
  const config = defaultBackpressure(['g']);
  return {
    config,
    bp: new BackPressure({
      config,
      groups,
      clock,
      random: seededRandom(2),
      metrics: new BackpressureMetrics(new Registry()),
    }),
  };
}

test('a PUT builds new frozen settings that every component reads at its next decision', () => {
  const { config, bp } = controller();
  const before = bp.settings.current;
  assert.ok(
    Object.isFrozen(before) && Object.isFrozen(before.config.router) && Object.isFrozen(before.groups[0].engine),
  );
  assert.deepEqual(
    applySettings(bp, {
      ingress: { max_in_flight: 50, max_in_flight_per_engine: 3, priorities: { sheddable: 0.5 } },
      router: { max_queue: 7, wait_margin_sd: 1, kv_busy: 0.5, retry_after_max_ms: 900 },
      engine: { slo_margin: 2, norm_tokens: 512 },
      groups: { g: { ttft_budget_ms: 700, itl_slo_ms: 40 } },
    }),
    [],
  );
  assert.notEqual(bp.settings.current, before, 'replaced, not written into');
  assert.equal(before.config.router.maxQueue, 1024);
  assert.equal(config.router.maxQueue, 1024, "the caller's configuration is its own");
  const g = bp.groups.get('g')!;
  assert.equal(bp.admission.settings.maxInFlight, 50);
  assert.deepEqual(bp.admission.settings.fractions, [1, 0.9, 0.5]);
  assert.equal(g.admission.maxInFlight, 6, '3 per engine × 2 engines');
  assert.equal(g.settings.ttftBudgetMs, 700);
  assert.equal(g.room.queue.bounds.maxRequests, 7);
  assert.equal(g.room.marginSd, 1);
  assert.deepEqual(g.room.fractions, [1, 0.9, 0.5]);
  assert.equal(bp.busy.kvBusy, 0.5);
  assert.equal(bp.retryBounds.maxMs, 900);
  for (const e of g.engines) {
    assert.equal(e.gate.normTokens, 512);
    assert.deepEqual(
      { ...e.gate.breaker.settings },
      { ttftSloMs: 2000, itlSloMs: 40, margin: 2, minSamples: 10, normTokens: 512 },
    );
  }
  assert.ok(Object.isFrozen(bp.settings.current.ingress));
});

test('a refused PUT keeps the settings it found, the same object', () => {
  const { bp } = controller();
  const before = bp.settings.current;
  const issues = applySettings(bp, {
    router: { max_queue: -1 },
    ingress: { priorities: { standard: 1, critical: 0.5 } },
  });
  assert.ok(issues.length > 0);
  assert.equal(bp.settings.current, before);
  assert.match(
    applySettings(bp, { ingress: { priorities: { standard: 1, critical: 0.5 } } }).join(),
    /^ingress\.priorities\.standard/,
  );
  assert.equal(bp.settings.current, before);
});
