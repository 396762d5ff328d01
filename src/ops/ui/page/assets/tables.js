/**
 * The group and engine tables, updated in place: rows are made once per key (rebuilt only when the set of
 * groups or engines changes), and a cell is written only when its text or class changed.
 */

/**
 * @typedef {import('../../types.ts').UiSnapshot} UiSnapshot
 * @typedef {import('../../types.ts').GroupView} GroupView
 * @typedef {import('../../types.ts').EngineView} EngineView
 */

/** @param {number | null | undefined} v @param {number} [digits] */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return String(Number(v.toPrecision(digits)));
}

/** @param {number | null} v */
const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(v >= 0.999 || v === 0 ? 0 : 1)}%`);

/** A row whose cells keep their last text and class, so an unchanged value costs no DOM write. */
class Row {
  /** @param {HTMLTableSectionElement} body @param {string} key @param {number} cells @param {string} attr */
  constructor(body, key, cells, attr) {
    this.tr = body.insertRow();
    this.tr.setAttribute(attr, key);
    /** @type {HTMLTableCellElement[]} */
    this.cells = [];
    /** @type {string[]} */
    this.texts = [];
    /** @type {string[]} */
    this.classes = [];
    for (let i = 0; i < cells; i++) {
      this.cells.push(this.tr.insertCell());
      this.texts.push('');
      this.classes.push('');
    }
  }

  /** @param {number} i @param {string} text @param {string} [cls] */
  set(i, text, cls = '') {
    if (this.texts[i] !== text) this.cells[i].textContent = this.texts[i] = text;
    if (this.classes[i] !== cls) this.cells[i].className = this.classes[i] = cls;
  }
}

/**
 * @template T
 * @param {HTMLTableSectionElement} body
 * @param {Map<string, Row>} rows
 * @param {T[]} items
 * @param {(item: T) => string} key
 * @param {number} cells
 * @param {string} attr
 * @returns {boolean} whether the rows were made anew
 */
function syncRows(body, rows, items, key, cells, attr) {
  const keys = items.map(key);
  if (keys.length === rows.size && keys.every((k) => rows.has(k))) return false;
  body.replaceChildren();
  rows.clear();
  for (const k of keys) rows.set(k, new Row(body, k, cells, attr));
  return true;
}

export const GROUP_COLUMNS = [
  'group',
  'in flight / limit',
  'admitted/s',
  'refused/s by gate code',
  'queue crit / std / shed (bound)',
  'drain/s',
  'goodput/s',
  'SLA attainment',
  'KV blocks in flight / capacity',
  'SLA TTFT / ITL ms',
];

export class GroupTable {
  /** @param {HTMLTableSectionElement} body */
  constructor(body) {
    this.body = body;
    /** @type {Map<string, Row>} */
    this.rows = new Map();
  }

  /** @param {GroupView[]} groups */
  update(groups) {
    syncRows(this.body, this.rows, groups, (g) => g.name, GROUP_COLUMNS.length, 'data-group');
    for (const g of groups) {
      const row = /** @type {Row} */ (this.rows.get(g.name));
      const refused = Object.entries(g.refusedPerS).filter(([, v]) => v > 0);
      const q = g.queueDepth;
      const queued = q.critical + q.standard + q.sheddable;
      const full = g.queueBound !== null && queued >= g.queueBound;
      row.set(0, g.name, 'name');
      row.set(1, `${g.inFlight} / ${g.inFlightLimit ?? '∞'}`);
      row.set(2, fmt(g.admittedPerS));
      row.set(3, refused.length ? refused.map(([k, v]) => `${k} ${fmt(v)}`).join(' · ') : '0', 'codes');
      row.set(4, `${q.critical} / ${q.standard} / ${q.sheddable} (${g.queueBound ?? '–'})`, full ? 'wrap bad' : 'wrap');
      row.set(5, fmt(g.drainPerS));
      row.set(6, fmt(g.goodputPerS));
      const att = g.attainment;
      row.set(7, pct(att), att === null ? '' : att < 0.9 ? 'bad' : att < 0.99 ? 'warn' : 'good');
      row.set(8, `${fmt(g.kvBlocks.inFlight)} / ${fmt(g.kvBlocks.capacity)}`);
      row.set(9, `${fmt(g.sla.ttftMs)} / ${fmt(g.sla.itlMs)}`);
    }
  }
}

export const ENGINE_COLUMNS = [
  'engine',
  'group',
  'state',
  'in flight / limit',
  'KV predicted vs reported',
  'running / waiting',
  'TTFT p50 / p99 ms',
  'ITL p50 / p99 ms',
  'penalty',
  'breaker',
];

export class EngineTable {
  /** @param {HTMLTableSectionElement} body */
  constructor(body) {
    this.body = body;
    /** @type {Map<string, Row>} */
    this.rows = new Map();
    /** @type {Map<string, { predicted: HTMLElement, reported: HTMLElement, text: HTMLElement }>} */
    this.bars = new Map();
  }

  /** @param {EngineView[]} engines @param {GroupView[]} groups */
  update(engines, groups) {
    const key = (/** @type {EngineView} */ e) => `${e.group}/${e.id}`;
    if (syncRows(this.body, this.rows, engines, key, ENGINE_COLUMNS.length, 'data-engine')) this.makeBars();
    const slas = new Map(groups.map((g) => [g.name, g.sla]));
    for (const e of engines) {
      const row = /** @type {Row} */ (this.rows.get(key(e)));
      const sla = slas.get(e.group);
      row.set(0, e.id, 'name');
      row.set(1, e.group);
      row.set(2, e.state, `state ${e.state}`);
      row.set(3, `${e.inFlight} / ${e.limit ?? '–'}`, e.limit !== null && e.inFlight >= e.limit ? 'warn' : '');
      this.setKv(key(e), e);
      row.set(5, `${e.running ?? '–'} / ${e.waiting ?? '–'}`);
      row.set(6, `${fmt(e.ttftMs.p50)} / ${fmt(e.ttftMs.p99)}`, over(e.ttftMs.p99, sla?.ttftMs));
      row.set(7, `${fmt(e.itlMs.p50)} / ${fmt(e.itlMs.p99)}`, over(e.itlMs.p99, sla?.itlMs));
      row.set(8, e.penalty ? 'yes' : 'no', e.penalty ? 'bad' : '');
      row.set(9, e.breaker, e.breaker === 'closed' ? '' : e.breaker === 'open' ? 'bad' : 'warn');
    }
  }

  /** The KV cell holds two bars (predicted over reported) and their numbers, made once per row. */
  makeBars() {
    this.bars.clear();
    for (const [key, row] of this.rows) {
      const cell = row.cells[4];
      cell.className = 'kv';
      const box = document.createElement('div');
      box.className = 'bars';
      const predicted = document.createElement('i');
      predicted.className = 'predicted';
      const reported = document.createElement('i');
      reported.className = 'reported';
      box.append(predicted, reported);
      const text = document.createElement('span');
      const wrap = document.createElement('div');
      wrap.append(box, text);
      cell.append(wrap);
      this.bars.set(key, { predicted, reported, text });
    }
  }

  /** @param {string} key @param {EngineView} e */
  setKv(key, e) {
    const bars = this.bars.get(key);
    if (!bars) return;
    const p = share(e.kvPredicted);
    const r = share(e.kvReported);
    if (bars.predicted.style.width !== p) bars.predicted.style.width = p;
    if (bars.reported.style.width !== r) bars.reported.style.width = r;
    const text = `${fmtShare(e.kvPredicted)} / ${fmtShare(e.kvReported)}`;
    if (bars.text.textContent !== text) bars.text.textContent = text;
  }
}

/** @param {number | null} v */
const share = (v) => (v === null ? '0%' : `${Math.min(100, Math.max(0, v * 100)).toFixed(1)}%`);
/** @param {number | null} v */
const fmtShare = (v) => (v === null ? '–' : `${Math.round(v * 100)}%`);

/** The class of a latency cell: over its SLO, or within it. @param {number | null} v @param {number | null | undefined} slo */
function over(v, slo) {
  if (v === null || slo === null || slo === undefined) return '';
  return v > slo ? 'bad' : 'good';
}
