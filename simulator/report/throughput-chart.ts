/**
 * Throughput over time: messages sent, verified and rejected in each second
 * of the run (the result's `series`), as three lines told apart by dash
 * pattern and a text label as well as colour, so the chart reads in grey.
 *
 *   throughputChart(result.series)  // '<svg id="throughput" …>…</svg>'
 *
 * Verified below sent means the gateway fell behind or lost messages; the
 * per-second numbers are in the report's table too.
 */
import type { SecondSample } from '../run-result.js';
import { linearScale } from './scale.js';
import { at, emptyNotice, plotArea, svgChart, svgText, yAxis } from './svg.js';

export const THROUGHPUT_SERIES = [
  { key: 'sent', label: 'sent', dash: '' },
  { key: 'verified', label: 'verified', dash: '8 4' },
  { key: 'rejected', label: 'rejected', dash: '2 3' },
] as const;

export function throughputChart(series: readonly SecondSample[]): string {
  const plot = plotArea(720, 290, { top: 30, right: 88 });
  const title = 'Throughput over time';
  if (series.length === 0) {
    return svgChart({
      id: 'throughput',
      plot,
      title,
      description: 'No per-second samples: the run measured no time.',
      body: emptyNotice(plot, 'No per-second samples in this run'),
    });
  }
  // Loops, not Math.max(...): a day-long run has more samples than a call takes arguments.
  let first = Number.POSITIVE_INFINITY;
  let lastSecond = Number.NEGATIVE_INFINITY;
  let peak = 0;
  for (const sample of series) {
    first = Math.min(first, sample.second);
    lastSecond = Math.max(lastSecond, sample.second);
    peak = Math.max(peak, sample.sent, sample.verified, sample.rejected);
  }
  const span = lastSecond - first || 1;
  const scale = linearScale(peak);
  const x = (second: number): number => plot.left + ((second - first) / span) * (plot.right - plot.left);
  const y = (value: number): number => plot.bottom - (value / scale.top) * (plot.bottom - plot.top);
  // Whole seconds only: a tick at 2.5 s names no sample.
  const timeTicks = linearScale(span, 8).ticks.filter((t) => t <= span && Number.isInteger(t));
  const xAxis = timeTicks
    .map((t) => svgText(x(first + t), plot.bottom + 16, String(first + t), 'class="tick" text-anchor="middle"'))
    .join('');
  const last = series[series.length - 1] as SecondSample;
  const lines = THROUGHPUT_SERIES.map(({ key, label, dash }, index) => {
    const points = series.map((sample) => `${at(x(sample.second))},${at(y(sample[key]))}`).join(' ');
    // One sample draws no line: a marker shows it.
    const marker = series.length === 1 ? `<circle cx="${at(x(last.second))}" cy="${at(y(last[key]))}" r="4"/>` : '';
    return (
      `<g class="series series-${key}"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}>` +
      `<title>${label} per second</title><polyline points="${points}"/>${marker}</g>` +
      svgText(
        plot.right + 6,
        y(last[key]) + 4 + (index - 1) * 12,
        `${label} ${last[key]}`,
        `class="label label-${key}"`,
      )
    );
  }).join('');
  return svgChart({
    id: 'throughput',
    plot,
    title,
    description: `Messages per second over ${series.length} seconds: peak ${peak}. Solid line sent, dashed verified, dotted rejected.`,
    body:
      yAxis(plot, scale, 'messages per second', String) +
      xAxis +
      svgText((plot.left + plot.right) / 2, plot.height - 6, 'second of the run', 'class="unit" text-anchor="middle"') +
      lines,
  });
}
