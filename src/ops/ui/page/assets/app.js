/**
 * The operator page: follows /ui/events (a `history` event, then a snapshot up to 4 times a second), keeps the
 * last five minutes, and redraws at most once per animation frame, in place. The load control posts to
 * /ui/load. Same-origin requests carry the Basic credentials the browser asked for, so the page needs no key.
 */
import { TimeChart } from './chart.js';
import { EngineTable, fmt, GroupTable } from './tables.js';
import { Timeline } from './timeline.js';

/** @typedef {import('../../types.ts').UiSnapshot} UiSnapshot */
/** @typedef {import('../../types.ts').LoadState} LoadState */

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const timeline = new Timeline();
const groups = new GroupTable(/** @type {HTMLTableSectionElement} */ (byId('groups').querySelector('tbody')));
const engines = new EngineTable(/** @type {HTMLTableSectionElement} */ (byId('engines').querySelector('tbody')));
const charts = {
  throughput: new TimeChart({ title: 'Admitted and goodput', yLabel: 'requests/s' }),
  refused: new TimeChart({ title: 'Refused by gate code', yLabel: 'requests/s' }),
  queue: new TimeChart({ title: 'Router queue depth by class', yLabel: 'requests' }),
  attainment: new TimeChart({ title: 'SLA attainment (last 10 s)', yLabel: 'share', yMax: 1 }),
  kv: new TimeChart({ title: 'Engine KV use (mean)', yLabel: 'share', yMax: 1 }),
};
for (const [name, chart] of Object.entries(charts)) {
  chart.svg.id = `chart-${name}`;
  byId('charts').append(chart.svg);
}
const scope = /** @type {HTMLSelectElement} */ (byId('scope'));
/** @type {UiSnapshot | null} */
let latest = null;
let frame = 0;
let scopeKey = '';

function schedule() {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  const snap = latest;
  if (!snap) return;
  syncScope(snap);
  const { xs, charts: data } = timeline.series(scope.value);
  for (const [name, chart] of Object.entries(charts)) chart.update(xs, data[/** @type {keyof typeof data} */ (name)]);
  groups.update(snap.groups);
  engines.update(snap.engines, snap.groups);
  showLoad(snap.load);
  byId('backpressure').textContent = snap.backpressure ? 'back pressure on' : 'back pressure off';
  byId('counts').textContent = `${snap.groups.length} groups · ${snap.engines.length} engines`;
  byId('updated').textContent = new Date(snap.t).toLocaleTimeString();
}

/** The scope menu lists every group; rebuilt only when the set of groups changes. @param {UiSnapshot} snap */
function syncScope(snap) {
  const key = snap.groups.map((g) => g.name).join('\n');
  if (key === scopeKey) return;
  scopeKey = key;
  const chosen = scope.value;
  scope.replaceChildren(new Option('all groups', ''), ...snap.groups.map((g) => new Option(g.name, g.name)));
  scope.value = snap.groups.some((g) => g.name === chosen) ? chosen : '';
}

/** @param {LoadState | null} load */
function showLoad(load) {
  const control = byId('load');
  control.hidden = load === null;
  if (!load) return;
  const burst = load.burstUntil !== null && load.burstUntil > Date.now();
  const state = load.multiple === 0 ? 'stopped' : `${load.multiple}× = ${fmt(load.ratePerS)} requests/s`;
  const text = `${burst ? '10× burst · ' : ''}${state} · capacity ${fmt(load.capacityPerS)}/s`;
  const status = byId('load-state');
  if (status.textContent !== text) status.textContent = text;
  status.title = load.capacitySource;
  for (const button of control.querySelectorAll('button[data-multiple]')) {
    button.classList.toggle('on', Number(/** @type {HTMLElement} */ (button).dataset.multiple) === load.multiple);
  }
}

/** @param {{ multiple: number } | { burst: number }} body */
async function postLoad(body) {
  const answer = await fetch('/ui/load', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await answer.json();
  if (!answer.ok) {
    byId('load-state').textContent = json?.error?.message ?? `error ${answer.status}`;
    return;
  }
  if (latest) latest = { ...latest, load: /** @type {LoadState} */ (json) };
  schedule();
}

byId('load').addEventListener('click', (event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest('button');
  if (!button) return;
  const body = button.dataset.burst
    ? { burst: Number(button.dataset.burst) }
    : { multiple: Number(button.dataset.multiple) };
  postLoad(body).catch((err) => {
    byId('load-state').textContent = `load control failed: ${err}`;
  });
});
scope.addEventListener('change', schedule);

const events = new EventSource('/ui/events');
const link = byId('link');
events.addEventListener('open', () => {
  link.textContent = 'live';
  link.className = 'good';
});
events.addEventListener('error', () => {
  link.textContent = 'reconnecting…';
  link.className = 'bad';
});
events.addEventListener('history', (event) => {
  const history = JSON.parse(/** @type {MessageEvent<string>} */ (event).data);
  timeline.reset(history.points);
  if (history.points.length) latest = history.points[history.points.length - 1];
  schedule();
});
events.addEventListener('snapshot', (event) => {
  const snap = JSON.parse(/** @type {MessageEvent<string>} */ (event).data);
  timeline.add(snap);
  latest = snap;
  schedule();
});
