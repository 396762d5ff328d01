// @ts-check
/**
 * The one chart style of Spillway's pictures: the `spillway bench --html` report (SVG strings, svg.ts) and the
 * operator page at /ui (SVG updated in place, ops/ui/page/chart.js) draw with these colours, margins, ticks,
 * labels and line widths. Plain JavaScript with JSDoc types, so that the browser loads the very file the Node
 * report imports (the page's import map names it `#chart-style`).
 */

/** Series colours, in order: the first series is always blue, the second red. */
export const PALETTE = Object.freeze([
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
]);

/** Colours of everything that is not a series. */
export const INK = Object.freeze({
  background: '#fff',
  text: '#222',
  tick: '#444',
  axis: '#888',
  grid: '#e5e5e5',
  muted: '#888',
});

export const FONT = Object.freeze({ family: 'system-ui, sans-serif', size: 11, titleSize: 13 });

/**
 * The plot's margins inside a chart's box: tick labels on the left, title and legend on top, the x labels
 * below. A report chart uses these; the page's small charts keep the left margin and tighten the rest.
 * @typedef {{ left: number, right: number, top: number, bottom: number }} Margin
 */
/** @type {Readonly<Margin>} */
export const MARGIN = Object.freeze({ left: 64, right: 16, top: 48, bottom: 44 });

/**
 * About `count` round tick values covering [lo, hi].
 * @param {number} lo
 * @param {number} hi
 * @param {number} [count]
 * @returns {number[]}
 */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  /** @type {number[]} */
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/**
 * A tick's text: at most four significant figures, thousands as `k`.
 * @param {number} v
 * @returns {string}
 */
export function tickLabel(v) {
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  return String(Number(v.toPrecision(4)));
}

/**
 * The stroke width of the k-th series. Earlier series are drawn wider, so a series that lies exactly on another
 * still shows at its edges.
 * @param {number} k
 * @returns {number}
 */
export function seriesWidth(k) {
  return Math.max(1.6, 4 - 1.2 * k);
}

/**
 * An SVG path through the finite points, in the scales given (a gap where y is not finite).
 * @param {ArrayLike<number>} xs
 * @param {ArrayLike<number>} ys
 * @param {(x: number) => number} sx
 * @param {(y: number) => number} sy
 * @returns {string}
 */
export function linePath(xs, ys, sx, sy) {
  let d = '';
  let pen = 'M';
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) {
      pen = 'M';
      continue;
    }
    d += `${pen}${sx(xs[i]).toFixed(1)} ${sy(y).toFixed(1)}`;
    pen = 'L';
  }
  return d;
}
