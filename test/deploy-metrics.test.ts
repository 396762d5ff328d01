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

it('the dashboard and the alert rules read only metrics docs/METRICS.md lists', async () => {
  const documented = documentedMetrics(await readDoc('METRICS.md'));
  const queries = [
    ...dashboardQueries(await readDashboard()).map((q) => ({ where: `dashboard ${q.where}`, expr: q.expr })),
    ...(await readAlertRules()).map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ];
  for (const { where, expr } of queries) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where} reads no spillway_* metric`);
    for (const name of names) {
      assert.ok(documented.has(name), `${where}: ${name} is not in docs/METRICS.md`);
    }
  }
});
