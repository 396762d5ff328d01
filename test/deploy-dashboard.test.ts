// deploy/grafana/spillway-dashboard.json: a dashboard Grafana can import as it is (unique panel ids, a 24-column
// grid, every query on the DS_PROMETHEUS variable), whose queries Prometheus parses (when promtool is installed).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { hasBinary } from '../src/bench/harness/procs.ts';
import { allPanels, dashboardQueries, type GridPos, PROMETHEUS_VARIABLE, readDashboard } from './helpers/deploy.ts';

const GRID_COLUMNS = 24;

describe('the Grafana dashboard', async () => {
  const dashboard = await readDashboard();
  const panels = allPanels(dashboard);

  it('has a uid, a title and a schema version', () => {
    assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/);
    assert.ok(dashboard.title.length > 0);
    assert.ok(Number.isInteger(dashboard.schemaVersion));
  });

  it('has the datasource, model_group and deployment variables, queried through the datasource variable', () => {
    const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    assert.deepEqual([...byName.keys()], ['DS_PROMETHEUS', 'model_group', 'deployment']);
    assert.equal(byName.get('DS_PROMETHEUS')!.type, 'datasource');
    assert.equal(byName.get('DS_PROMETHEUS')!.query, 'prometheus');
    for (const name of ['model_group', 'deployment']) {
      assert.equal(byName.get(name)!.type, 'query');
      assert.deepEqual(byName.get(name)!.datasource, PROMETHEUS_VARIABLE);
    }
    const exprs = dashboardQueries(dashboard).map((q) => q.expr);
    for (const variable of ['$model_group', '$deployment'])
      assert.ok(
        exprs.some((e) => e.includes(variable)),
        `${variable} filters some query`,
      );
  });

  it('has unique integer panel ids', () => {
    const ids = panels.map((p) => p.id);
    assert.ok(ids.every(Number.isInteger), 'integer ids');
    assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids}`);
  });

  it('places every panel within 24 columns, none overlapping another', () => {
    for (const { id, gridPos: g } of panels) {
      assert.ok([g.x, g.y, g.w, g.h].every(Number.isInteger), `panel ${id}: integer grid position`);
      assert.ok(g.x >= 0 && g.y >= 0 && g.w >= 1 && g.h >= 1, `panel ${id}: position and size ${JSON.stringify(g)}`);
      assert.ok(g.x + g.w <= GRID_COLUMNS, `panel ${id}: ends at column ${g.x + g.w}`);
    }
    for (let i = 0; i < panels.length; i++)
      for (let j = i + 1; j < panels.length; j++)
        assert.ok(!overlap(panels[i].gridPos, panels[j].gridPos), `panels ${panels[i].id} and ${panels[j].id} overlap`);
  });

  it('gives every panel but a row targets, each with an expression and a refId unique in the panel', () => {
    for (const p of panels.filter((p) => p.type !== 'row')) {
      assert.ok(p.title.length > 0, `panel ${p.id} has a title`);
      assert.ok((p.targets ?? []).length > 0, `panel ${p.id} "${p.title}" has targets`);
      const refIds = p.targets!.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `panel ${p.id}: refIds ${refIds}`);
      for (const t of p.targets!) assert.ok(t.expr.trim().length > 0, `panel ${p.id} ${t.refId}: an expression`);
    }
  });

  it('reads every datasource through the DS_PROMETHEUS variable', () => {
    const found = datasources(dashboard);
    assert.ok(found.length > 0);
    for (const { path, value } of found) assert.deepEqual(value, PROMETHEUS_VARIABLE, path);
  });

  it('has queries Prometheus parses', {
    skip: !hasBinary('promtool') && 'promtool is not installed (apt-get install prometheus)',
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spillway-dashboard-'));
    try {
      const queries = dashboardQueries(dashboard);
      const rules = queries.map((q, i) => ({ record: `dashboard_query_${i}`, expr: asPromQL(q.expr) }));
      const file = join(dir, 'queries.yaml');
      await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const run = await promisify(execFile)('promtool', ['check', 'rules', file]).catch((e) => e);
      assert.equal(
        run.code ?? 0,
        0,
        `${run.stdout}${run.stderr}\n${queries.map((q, i) => `${i}: ${q.where}`).join('\n')}`,
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

function overlap(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Every `datasource` value in the dashboard, wherever it sits, with its path for the assertion message. */
function datasources(node: unknown, path = '$'): { path: string; value: unknown }[] {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'datasource' ? [{ path: `${path}.${key}`, value }] : datasources(value, `${path}.${key}`),
  );
}

/** A Grafana query as Prometheus would receive it: its variables filled in, a label_values() query's selector. */
function asPromQL(expr: string): string {
  const labelValues = /^label_values\((.*),\s*\w+\)$/.exec(expr);
  return (labelValues?.[1] ?? expr)
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll(/\$(model_group|deployment)\b/g, '.*');
}
