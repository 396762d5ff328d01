/**
 * A timeline chart of the last five minutes, drawn once as SVG and then updated in place: each update sets the
 * paths' `d`, the y ticks' positions and texts, and the legend, and never reads layout (no reflow forced). The
 * look is the bench report's: chart-style.js's palette, ink, ticks, labels and line widths.
 */
import { FONT, INK, linePath, niceTicks, PALETTE, seriesWidth, tickLabel } from './chart-style.js';

const SVG = 'http://www.w3.org/2000/svg';
/** The page's charts are small multiples: the report's margins, tightened. */
const M = { left: 40, right: 10, top: 36, bottom: 20 };
/** The x axis: seconds before now. */
export const WINDOW_S = 300;
const X_TICKS = [-300, -240, -180, -120, -60, 0];

/**
 * @typedef {{ name: string, ys: ArrayLike<number>, dashed?: boolean }} ChartSeries
 * @typedef {{ title: string, yLabel: string, width?: number, height?: number, yMax?: number }} ChartOptions
 */

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {Element} [parent]
 */
function el(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const k in attrs) node.setAttribute(k, String(attrs[k]));
  parent?.appendChild(node);
  return node;
}

export class TimeChart {
  /** @param {ChartOptions} o */
  constructor(o) {
    this.w = o.width ?? 300;
    this.h = o.height ?? 170;
    this.yMax = o.yMax ?? 0;
    const { w, h } = this;
    this.svg = el('svg', {
      viewBox: `0 0 ${w} ${h}`,
      'font-family': FONT.family,
      'font-size': FONT.size,
      role: 'img',
      'aria-label': o.title,
      class: 'chart',
    });
    el('rect', { width: w, height: h, fill: INK.background }, this.svg);
    const title = el('text', { x: w / 2, y: 14, 'text-anchor': 'middle', 'font-size': FONT.titleSize }, this.svg);
    title.setAttribute('font-weight', '600');
    title.textContent = o.title;
    const yl = el('text', { transform: `translate(10 ${(M.top + h - M.bottom) / 2}) rotate(-90)` }, this.svg);
    yl.setAttribute('text-anchor', 'middle');
    yl.setAttribute('fill', INK.text);
    yl.textContent = o.yLabel;
    this.grid = el('g', {}, this.svg);
    this.plot = el('g', {}, this.svg);
    this.legend = el('g', {}, this.svg);
    this.drawXAxis();
    /** @type {SVGTextElement[]} */
    this.tickTexts = [];
    /** @type {SVGLineElement[]} */
    this.tickLines = [];
    /** @type {Map<string, { path: SVGPathElement, swatch: SVGRectElement, label: SVGTextElement }>} */
    this.lines = new Map();
    this.legendKey = '';
  }

  drawXAxis() {
    const { w, h } = this;
    const base = h - M.bottom;
    el('line', { x1: M.left, x2: w - M.right, y1: base, y2: base, stroke: INK.axis }, this.svg);
    el('line', { x1: M.left, x2: M.left, y1: M.top, y2: base, stroke: INK.axis }, this.svg);
    for (const t of X_TICKS) {
      const x = this.sx(t);
      el('line', { x1: x, x2: x, y1: base, y2: base + 3, stroke: INK.axis }, this.svg);
      // The last label ends at the plot's edge rather than centring past it.
      const anchor = t === 0 ? 'end' : 'middle';
      const text = el(
        'text',
        { x: t === 0 ? x + 4 : x, y: base + 14, 'text-anchor': anchor, fill: INK.tick },
        this.svg,
      );
      text.textContent = t === 0 ? 'now' : `${t / 60}m`;
    }
  }

  /** @param {number} x seconds relative to now */
  sx(x) {
    return M.left + ((x + WINDOW_S) / WINDOW_S) * (this.w - M.left - M.right);
  }

  /**
   * @param {ArrayLike<number>} xs seconds relative to now (≤ 0), oldest first
   * @param {readonly ChartSeries[]} series
   */
  update(xs, series) {
    let top = this.yMax;
    let latest = 0;
    for (const s of series) {
      for (let i = 0; i < s.ys.length; i++) if (s.ys[i] > top) top = s.ys[i];
      const last = s.ys[s.ys.length - 1];
      if (Number.isFinite(last)) latest += last;
    }
    const ticks = niceTicks(0, top > 0 ? top : 1, 4);
    const y1 = ticks[ticks.length - 1];
    const span = this.h - M.top - M.bottom;
    const sy = (/** @type {number} */ y) => this.h - M.bottom - (y / y1) * span;
    this.drawYTicks(ticks, sy);
    const sx = (/** @type {number} */ x) => this.sx(x);
    series.forEach((s, k) => {
      const line = this.line(s, k);
      line.path.setAttribute('d', linePath(xs, s.ys, sx, sy));
    });
    for (const [name, line] of this.lines) {
      if (!series.some((s) => s.name === name)) line.path.setAttribute('d', '');
    }
    this.layoutLegend(series);
    // The sum of the series' latest values: what a reader (or a test) checks to see the chart move.
    this.svg.dataset.latest = String(Number(latest.toPrecision(6)));
  }

  /**
   * @param {number[]} ticks
   * @param {(y: number) => number} sy
   */
  drawYTicks(ticks, sy) {
    while (this.tickTexts.length < ticks.length) {
      const line = el('line', { x1: M.left, x2: this.w - M.right, stroke: INK.grid }, this.grid);
      const text = el('text', { x: M.left - 4, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, this.grid);
      text.setAttribute('fill', INK.tick);
      this.tickLines.push(/** @type {SVGLineElement} */ (line));
      this.tickTexts.push(/** @type {SVGTextElement} */ (text));
    }
    for (let i = 0; i < this.tickTexts.length; i++) {
      const shown = i < ticks.length;
      const line = this.tickLines[i];
      const text = this.tickTexts[i];
      line.style.display = text.style.display = shown ? '' : 'none';
      if (!shown) continue;
      const y = sy(ticks[i]).toFixed(1);
      line.setAttribute('y1', y);
      line.setAttribute('y2', y);
      text.setAttribute('y', y);
      const label = tickLabel(ticks[i]);
      if (text.textContent !== label) text.textContent = label;
    }
  }

  /**
   * @param {ChartSeries} s
   * @param {number} k
   */
  line(s, k) {
    let line = this.lines.get(s.name);
    if (!line) {
      const path = /** @type {SVGPathElement} */ (el('path', { fill: 'none' }, this.plot));
      const swatch = /** @type {SVGRectElement} */ (el('rect', { width: 10, height: 3 }, this.legend));
      const label = /** @type {SVGTextElement} */ (el('text', { fill: INK.text }, this.legend));
      label.textContent = s.name;
      line = { path, swatch, label };
      this.lines.set(s.name, line);
    }
    const color = PALETTE[k % PALETTE.length];
    line.path.setAttribute('stroke', color);
    line.path.setAttribute('stroke-width', String(seriesWidth(k)));
    if (s.dashed) line.path.setAttribute('stroke-dasharray', '5 3');
    line.swatch.setAttribute('fill', color);
    return line;
  }

  /** A legend row under the title, outside the plot; laid out again only when the set of series changes. */
  layoutLegend(/** @type {readonly ChartSeries[]} */ series) {
    const key = series.map((s) => s.name).join('\n');
    if (key === this.legendKey) return;
    this.legendKey = key;
    for (const line of this.lines.values()) line.swatch.style.display = line.label.style.display = 'none';
    let x = M.left;
    let y = 26;
    for (const s of series) {
      const line = /** @type {NonNullable<ReturnType<TimeChart['lines']['get']>>} */ (this.lines.get(s.name));
      const width = 16 + s.name.length * 5.6 + 8;
      if (x + width > this.w - M.right && x > M.left) {
        x = M.left;
        y += 11;
      }
      line.swatch.style.display = line.label.style.display = '';
      line.swatch.setAttribute('x', String(x));
      line.swatch.setAttribute('y', String(y - 4));
      line.label.setAttribute('x', String(x + 13));
      line.label.setAttribute('y', String(y));
      x += width;
    }
  }
}
