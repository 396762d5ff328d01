/**
 * Inline SVG charts for the self-contained HTML reports: line charts over numeric x and a bar chart. Hand-written
 * because the report must open with no network and no script, and the two chart shapes needed are ~150 lines.
 * Colours, margins, ticks and line widths come from chart-style.js, which the operator page (/ui) draws with too.
 */

import {
  FONT,
  INK,
  tickLabel as label,
  linePath,
  MARGIN as M,
  niceTicks,
  PALETTE,
  seriesWidth,
} from './chart-style.js';

export { niceTicks, PALETTE };

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Force the y axis to include this value (e.g. 1 for an attainment chart). */
  yMax?: number;
  /** Draw a marker on each point (for sweeps with few points). */
  markers?: boolean;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function frame(title: string, width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${FONT.family}" font-size="${FONT.size}" role="img" aria-label="${escapeXml(title)}">` +
    `<rect width="${width}" height="${height}" fill="${INK.background}"/>` +
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="${FONT.titleSize}" font-weight="600">` +
    `${escapeXml(title)}</text>` +
    `${body}</svg>`
  );
}

function axes(
  xTicks: number[],
  yTicks: number[],
  sx: (x: number) => number,
  sy: (y: number) => number,
  w: number,
  h: number,
  xLabel: string,
  yLabel: string,
  xText = label,
): string {
  let out = '';
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out += `<line x1="${M.left}" x2="${w - M.right}" y1="${y}" y2="${y}" stroke="${INK.grid}"/>`;
    out +=
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="${INK.tick}">` +
      `${label(t)}</text>`;
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out += `<line x1="${x}" x2="${x}" y1="${h - M.bottom}" y2="${h - M.bottom + 4}" stroke="${INK.axis}"/>`;
    out += `<text x="${x}" y="${h - M.bottom + 16}" text-anchor="middle" fill="${INK.tick}">`;
    out += `${escapeXml(xText(t))}</text>`;
  }
  out += `<line x1="${M.left}" x2="${w - M.right}" y1="${h - M.bottom}" y2="${h - M.bottom}" stroke="${INK.axis}"/>`;
  out += `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${h - M.bottom}" stroke="${INK.axis}"/>`;
  out +=
    `<text x="${(M.left + w - M.right) / 2}" y="${h - 8}" text-anchor="middle" fill="${INK.text}">` +
    `${escapeXml(xLabel)}</text>`;
  out +=
    `<text transform="translate(14 ${(M.top + h - M.bottom) / 2}) rotate(-90)" text-anchor="middle" ` +
    `fill="${INK.text}">${escapeXml(yLabel)}</text>`;
  return out;
}

export function lineChart(o: LineChartOptions): string {
  const w = o.width ?? 560;
  const h = o.height ?? 300;
  const all = o.series.flatMap((s) => s.points);
  if (all.length === 0)
    return frame(
      o.title,
      w,
      h,
      `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" fill="${INK.muted}">no data</text>`,
    );
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(0, Math.max(o.yMax ?? 0, ...ys, 1e-9));
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const y1 = yTicks[yTicks.length - 1];
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * (w - M.left - M.right);
  const sy = (y: number) => h - M.bottom - (y / (y1 || 1)) * (h - M.top - M.bottom);
  let body = axes(xTicks, yTicks, sx, sy, w, h, o.xLabel, o.yLabel);
  let legendX = M.left;
  o.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    const d = linePath(
      pts.map((p) => p[0]),
      pts.map((p) => p[1]),
      sx,
      sy,
    );
    const width = seriesWidth(k);
    body +=
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}"` +
      `${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
    if (o.markers || pts.length === 1)
      for (const p of pts)
        body += `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="${width + 1}" fill="${color}"/>`;
    // Legend in a row under the title, outside the plot, so it never hides a line.
    body += `<rect x="${legendX}" y="29" width="12" height="3" fill="${color}"/>`;
    body += `<text x="${legendX + 16}" y="33" fill="${INK.text}">${escapeXml(s.name)}</text>`;
    legendX += 28 + s.name.length * 6;
  });
  return frame(o.title, w, h, body);
}

export interface BarChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  bars: ReadonlyArray<{ label: string; value: number }>;
  width?: number;
  height?: number;
}

export function barChart(o: BarChartOptions): string {
  const w = o.width ?? 560;
  const h = o.height ?? 300;
  if (o.bars.length === 0)
    return frame(
      o.title,
      w,
      h,
      `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" fill="${INK.muted}">no data</text>`,
    );
  const yTicks = niceTicks(0, Math.max(...o.bars.map((b) => b.value), 1));
  const y1 = yTicks[yTicks.length - 1];
  const n = o.bars.length;
  const bw = (w - M.left - M.right) / n;
  const sx = (i: number) => M.left + i * bw;
  const sy = (y: number) => h - M.bottom - (y / y1) * (h - M.top - M.bottom);
  const every = Math.max(1, Math.ceil(n / 8));
  const xTicks = o.bars.map((_, i) => i).filter((i) => i % every === 0);
  let body = axes(
    xTicks,
    yTicks,
    (i) => sx(i) + bw / 2,
    sy,
    w,
    h,
    o.xLabel,
    o.yLabel,
    (i) => o.bars[i].label,
  );
  o.bars.forEach((b, i) => {
    const y = sy(b.value);
    body +=
      `<rect x="${(sx(i) + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" ` +
      `height="${(h - M.bottom - y).toFixed(1)}" fill="${PALETTE[0]}">` +
      `<title>${escapeXml(`${b.label}: ${b.value}`)}</title></rect>`;
  });
  return frame(o.title, w, h, body);
}
