/**
 * The last five minutes of snapshots, one a second (the server's `history`, then the live snapshots thinned to
 * one a second), plus the latest live one; and the series the charts draw from them, for every group summed
 * or for one group.
 */
import { WINDOW_S } from './chart.js';

/**
 * @typedef {import('../../types.ts').UiSnapshot} UiSnapshot
 * @typedef {import('../../types.ts').GroupView} GroupView
 * @typedef {import('./chart.js').ChartSeries} ChartSeries
 */

const STEP_MS = 1000;
const CLASSES = /** @type {const} */ (['critical', 'standard', 'sheddable']);

export class Timeline {
  constructor() {
    /** @type {UiSnapshot[]} one a second, oldest first */
    this.points = [];
    /** @type {UiSnapshot | null} the latest snapshot, when it is newer than the last kept point */
    this.tail = null;
  }

  /** @param {UiSnapshot[]} points */
  reset(points) {
    this.points = points.slice(-WINDOW_S);
    this.tail = null;
  }

  /** @param {UiSnapshot} snap */
  add(snap) {
    const last = this.points[this.points.length - 1];
    if (last && snap.t - last.t < STEP_MS) {
      this.tail = snap;
      return;
    }
    this.points.push(snap);
    this.tail = null;
    const oldest = snap.t - WINDOW_S * 1000;
    let drop = 0;
    while (drop < this.points.length && this.points[drop].t < oldest) drop++;
    if (drop > 0) this.points.splice(0, drop);
  }

  /** @returns {UiSnapshot[]} */
  all() {
    return this.tail ? [...this.points, this.tail] : this.points;
  }

  /**
   * Everything the charts draw, for the scope: '' for all groups, else one group's name.
   * @param {string} scope
   */
  series(scope) {
    const snaps = this.all();
    const now = snaps.length ? snaps[snaps.length - 1].t : 0;
    const xs = snaps.map((s) => (s.t - now) / 1000);
    /** @param {(groups: GroupView[], snap: UiSnapshot) => number} f */
    const over = (f) => snaps.map((s) => f(scope ? s.groups.filter((g) => g.name === scope) : s.groups, s));
    /** @param {(g: GroupView) => number} f */
    const sum = (f) => over((gs) => gs.reduce((a, g) => a + f(g), 0));
    const codes = [...new Set(snaps.flatMap((s) => s.groups.flatMap((g) => Object.keys(g.refusedPerS))))].sort();
    /** @type {Record<string, ChartSeries[]>} */
    const charts = {
      throughput: [
        { name: 'admitted', ys: sum((g) => g.admittedPerS) },
        { name: 'goodput', ys: sum((g) => g.goodputPerS) },
      ],
      refused: codes.map((code) => ({ name: code, ys: sum((g) => g.refusedPerS[code] ?? 0) })),
      queue: CLASSES.map((c) => ({ name: c, ys: sum((g) => g.queueDepth[c] ?? 0) })),
      attainment: [{ name: scope ? 'attainment' : 'worst group', ys: over(worstAttainment) }],
      kv: [
        { name: 'predicted', ys: over((_, s) => meanKv(s, scope, 'kvPredicted')) },
        { name: 'reported', ys: over((_, s) => meanKv(s, scope, 'kvReported')), dashed: true },
      ],
    };
    return { xs, charts };
  }
}

/** @param {GroupView[]} groups */
function worstAttainment(groups) {
  let worst = Number.NaN;
  for (const g of groups) if (g.attainment !== null && !(g.attainment >= worst)) worst = g.attainment;
  return worst;
}

/**
 * The mean share of KV over the scope's engines that have the figure (NaN, a gap, when none has).
 * @param {UiSnapshot} snap
 * @param {string} scope
 * @param {'kvPredicted' | 'kvReported'} field
 */
function meanKv(snap, scope, field) {
  let total = 0;
  let n = 0;
  for (const e of snap.engines) {
    const v = e[field];
    if (v === null || (scope && e.group !== scope)) continue;
    total += v;
    n++;
  }
  return n ? total / n : Number.NaN;
}
