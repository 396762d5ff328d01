// The dashboard and the alert rules read only metrics docs/METRICS.md lists (which test/metrics-doc.test.ts holds
// to the gateway's registry), so a renamed metric cannot leave a panel or an alert silently empty.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  dashboardQueries,
  documentedMetrics,
  metricNames,
  readAlertRules,
  readDashboard,
  readDoc,
} from './helpers/deploy.ts';

// Read by the dashboard and the alerts before docs/METRICS.md lists them: added by the operator-page change.
const NOT_YET_DOCUMENTED = new Set(['spillway_sla_requests_total', 'spillway_router_queue_bound']);

it('the dashboard and the alert rules read only metrics docs/METRICS.md lists', async () => {
  const documented = documentedMetrics(await readDoc('METRICS.md'));
  const queries = [
    ...dashboardQueries(await readDashboard()).map((q) => ({ where: `dashboard ${q.where}`, expr: q.expr })),
    ...(await readAlertRules()).map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ];
  const used = new Set<string>();
  for (const { where, expr } of queries) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where} reads no spillway_* metric`);
    for (const name of names) {
      used.add(name);
      assert.ok(documented.has(name) || NOT_YET_DOCUMENTED.has(name), `${where}: ${name} is not in docs/METRICS.md`);
    }
  }
  for (const name of NOT_YET_DOCUMENTED) {
    assert.ok(used.has(name), `${name} is listed as not yet documented but nothing reads it`);
    assert.ok(!documented.has(name), `docs/METRICS.md lists ${name} now: remove it from NOT_YET_DOCUMENTED`);
  }
});
