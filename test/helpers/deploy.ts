// The operators' Grafana dashboard and Prometheus alert rules (deploy/), read for the tests that check them.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface Target {
  refId: string;
  expr: string;
  datasource?: unknown;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
}
export interface Variable {
  type: string;
  name: string;
  query: unknown;
  datasource?: unknown;
}
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Where a panel or a variable takes its data: the dashboard's `DS_PROMETHEUS` variable, so one import fits any. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, meant literally.
export const PROMETHEUS_VARIABLE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

const root = new URL('../../', import.meta.url);

export async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(new URL('deploy/grafana/spillway-dashboard.json', root), 'utf8'));
}

export async function readAlertRules(): Promise<AlertRule[]> {
  const file = parse(await readFile(new URL('deploy/prometheus/alerts.yaml', root), 'utf8'));
  return file.groups.flatMap((group: { rules: AlertRule[] }) => group.rules);
}

export async function readDoc(name: string): Promise<string> {
  return readFile(new URL(`docs/${name}`, root), 'utf8');
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard (panel targets and variable queries), named for assertion messages. */
export function dashboardQueries(dashboard: Dashboard): { where: string; expr: string }[] {
  const queries = allPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr })),
  );
  for (const v of dashboard.templating.list) {
    if (v.type === 'query') queries.push({ where: `variable ${v.name}`, expr: (v.query as { query: string }).query });
  }
  return queries;
}

/** The spillway_* metric names an expression reads, a histogram's series named by the histogram. */
export function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bspillway_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

/** The metric names docs/METRICS.md lists, read as test/metrics-doc.test.ts reads them. */
export function documentedMetrics(doc: string): Set<string> {
  return new Set([...doc.matchAll(/^\| `(spillway_[a-z_]+)` \|/gm)].map((m) => m[1]));
}
