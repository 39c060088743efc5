/**
 * The pieces every chart of the report shares: an `<svg>` with its `<title>`
 * and `<desc>` (what a screen reader announces), a plot area inside margins,
 * a y axis with grid lines, and the notice a chart shows when it has no data.
 * Every text passed in is escaped here or by the caller: none is markup.
 *
 *   const plot = plotArea(720, 260, { left: 56 });
 *   svgChart({ id: 'throughput', plot, title: 'Throughput', description: '…', body: yAxis(plot, scale, 'msg/s') + … });
 *
 * No script, no external reference: the report's Content-Security-Policy forbids both.
 */
import { escapeHtml } from './escape-html.js';
import type { LinearScale } from './scale.js';

export interface PlotArea {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export function plotArea(
  width: number,
  height: number,
  margins: { readonly left?: number; readonly top?: number; readonly right?: number; readonly bottom?: number } = {},
): PlotArea {
  const left = margins.left ?? 56;
  const top = margins.top ?? 16;
  return { width, height, left, top, right: width - (margins.right ?? 16), bottom: height - (margins.bottom ?? 40) };
}

/** A coordinate for an attribute: two decimals at most, never NaN (0 instead). */
export function at(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0';
}

export function svgChart(chart: {
  readonly id: string;
  readonly plot: PlotArea;
  readonly title: string;
  readonly description: string;
  readonly body: string;
}): string {
  const { id, plot } = chart;
  return (
    `<svg id="${id}" class="chart" role="img" viewBox="0 0 ${plot.width} ${plot.height}" width="${plot.width}" height="${plot.height}" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${escapeHtml(chart.title)}</title><desc id="${id}-desc">${escapeHtml(chart.description)}</desc>` +
    `${chart.body}</svg>`
  );
}

export function svgText(x: number, y: number, text: string, attributes = ''): string {
  return `<text x="${at(x)}" y="${at(y)}"${attributes === '' ? '' : ` ${attributes}`}>${escapeHtml(text)}</text>`;
}

/** Horizontal grid lines at each tick, their values on the left, the unit above them. */
export function yAxis(plot: PlotArea, scale: LinearScale, unit: string, format: (value: number) => string): string {
  const y = (value: number): number => plot.bottom - (value / scale.top) * (plot.bottom - plot.top);
  const ticks = scale.ticks
    .map(
      (tick) =>
        `<line class="grid" x1="${plot.left}" x2="${plot.right}" y1="${at(y(tick))}" y2="${at(y(tick))}"/>` +
        svgText(plot.left - 6, y(tick) + 4, format(tick), 'class="tick" text-anchor="end"'),
    )
    .join('');
  return `${ticks}${svgText(4, plot.top - 14, unit, 'class="unit"')}`;
}

export function emptyNotice(plot: PlotArea, message: string): string {
  return (
    `<rect class="frame" x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/>` +
    svgText((plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2, message, 'class="empty" text-anchor="middle"')
  );
}
