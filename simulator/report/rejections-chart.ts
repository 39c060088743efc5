/**
 * Rejections by reason: one horizontal bar per DLQ reason observed, longest
 * first, each labelled with its reason and count. Reasons are topic segments
 * anyone who may publish under `dlq/` chooses: shown through `printable` and
 * escaped, and past MAX_LISTED_REASONS the rest share one bar (topReasons).
 *
 *   rejectionsChart(result.rejections)
 *
 * Every reason here should be one the run's faults expect (the fault table
 * says which); any other is a valid message the gateway refused.
 */
import { printable } from '../printable.js';
import { reasonsByCount, topReasons } from '../reasons-by-count.js';
import { escapeHtml } from './escape-html.js';
import { linearScale } from './scale.js';
import { at, emptyNotice, plotArea, svgChart, svgText } from './svg.js';

const LABEL_WIDTH = 40;
const ROW = 26;

export function rejectionsChart(rejections: Readonly<Record<string, number>>): string {
  const title = 'Rejections by reason';
  const all = reasonsByCount(rejections);
  if (all.length === 0) {
    const plot = plotArea(720, 100, { left: 16, top: 16, bottom: 16 });
    return svgChart({
      id: 'rejections',
      plot,
      title,
      description: 'No message was rejected.',
      body: emptyNotice(plot, 'No rejections observed'),
    });
  }
  const rows = topReasons(rejections);
  const plot = plotArea(720, rows.length * ROW + 48, { left: 300, right: 72, top: 16, bottom: 32 });
  const scale = linearScale(rows.reduce((max, [, count]) => Math.max(max, count), 0));
  const x = (value: number): number => plot.left + (value / scale.top) * (plot.right - plot.left);
  const axis = scale.ticks
    .map(
      (tick) =>
        `<line class="grid" x1="${at(x(tick))}" x2="${at(x(tick))}" y1="${plot.top}" y2="${plot.bottom}"/>` +
        svgText(x(tick), plot.bottom + 16, String(tick), 'class="tick" text-anchor="middle"'),
    )
    .join('');
  const bars = rows
    .map(([reason, count], i) => {
      const top = plot.top + i * ROW + 3;
      const shown = printable(reason, 200);
      return (
        `<g class="reason"><title>${escapeHtml(`${shown}: ${count}`)}</title>` +
        svgText(plot.left - 8, top + 15, printable(reason, LABEL_WIDTH), 'class="reason-label" text-anchor="end"') +
        `<rect class="bar" x="${plot.left}" y="${at(top)}" width="${at(Math.max(x(count) - plot.left, 1))}" height="${ROW - 6}"/>` +
        svgText(x(count) + 6, top + 15, String(count), 'class="count"') +
        '</g>'
      );
    })
    .join('');
  return svgChart({
    id: 'rejections',
    plot,
    title,
    description: `${all.length} reasons, ${all.reduce((sum, [, count]) => sum + count, 0)} messages; the table below lists them.`,
    body: axis + bars + svgText(plot.left, plot.height - 4, 'messages', 'class="unit"'),
  });
}
