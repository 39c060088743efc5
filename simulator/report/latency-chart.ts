/**
 * The latency distribution: one bar per bucket of the result's
 * `latencyHistogram` (log-spaced upper bounds, so equal-width bars make a log
 * axis), with p50, p90, p95, p99, p99.9 and max marked as labelled vertical
 * lines placed inside their bucket by log interpolation.
 *
 *   latencyChart(result.latencyHistogram, result.latency)
 *
 * A long tail to the right of p99 with a low p50 is queueing somewhere (the
 * broker's in-flight window, the gateway's threads), not slow verification.
 */
import { formatMs } from '../format.js';
import type { LatencySummary } from '../run-result.js';
import { linearScale } from './scale.js';
import { at, emptyNotice, plotArea, svgChart, svgText, yAxis } from './svg.js';

type Bucket = { readonly upperMs: number; readonly count: number };

export const LATENCY_MARKERS = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
  ['max', 'max'],
] as const;

export function latencyChart(histogram: readonly Bucket[], latency: LatencySummary): string {
  const plot = plotArea(720, 310, { top: 40, right: 36, bottom: 56 });
  const title = 'Latency distribution, publish to forward';
  const total = histogram.reduce((sum, bucket) => sum + bucket.count, 0);
  if (histogram.length === 0 || total === 0 || latency.count === 0) {
    return svgChart({
      id: 'latency',
      plot,
      title,
      description: 'No latency samples: no valid message was verified.',
      body: emptyNotice(plot, 'No latency samples in this run'),
    });
  }
  const peak = histogram.reduce((max, bucket) => Math.max(max, bucket.count), 0);
  const scale = linearScale(peak);
  const width = (plot.right - plot.left) / histogram.length;
  const y = (value: number): number => plot.bottom - (value / scale.top) * (plot.bottom - plot.top);
  const bars = histogram
    .map((bucket, i) =>
      bucket.count === 0
        ? ''
        : `<rect class="bar" x="${at(plot.left + i * width + 1)}" y="${at(y(bucket.count))}" width="${at(Math.max(width - 2, 1))}" height="${at(plot.bottom - y(bucket.count))}"><title>up to ${formatMs(bucket.upperMs)} ms: ${bucket.count}</title></rect>`,
    )
    .join('');
  const every = Math.ceil(histogram.length / 10);
  const xAxis = histogram
    .map((bucket, i) =>
      i % every === 0 || i === histogram.length - 1
        ? svgText(
            plot.left + (i + 1) * width,
            plot.bottom + 16,
            formatMs(bucket.upperMs),
            'class="tick" text-anchor="middle"',
          )
        : '',
    )
    .join('');
  const markers = LATENCY_MARKERS.map(([key, label], index) => {
    const mx = plot.left + bucketPosition(histogram, latency[key]) * width;
    // Staggered label rows: percentiles that fall in one bucket stay legible.
    const ly = plot.top - 24 + (index % 3) * 10;
    return (
      `<g class="marker marker-${key}"><title>${label} ${formatMs(latency[key])} ms</title>` +
      `<line x1="${at(mx)}" x2="${at(mx)}" y1="${at(ly + 2)}" y2="${plot.bottom}"/>` +
      `${svgText(mx + 3, ly, label, 'class="marker-label"')}</g>`
    );
  }).join('');
  const legend = LATENCY_MARKERS.map(([key, label]) => `${label} ${formatMs(latency[key])}`).join('   ');
  return svgChart({
    id: 'latency',
    plot,
    title,
    description: `${latency.count} samples in ${histogram.length} buckets, in ms: ${legend}.`,
    body:
      yAxis(plot, scale, 'messages', String) +
      bars +
      xAxis +
      markers +
      svgText(plot.left, plot.height - 8, `bucket upper bound (ms)   ${legend} ms`, 'class="unit"'),
  });
}

/**
 * Where a value falls along the buckets, in bar widths from the left: bucket
 * k plus the fraction of the way from its lower to its upper bound, in log
 * space. The first bucket's lower bound continues the spacing of the next.
 */
function bucketPosition(histogram: readonly Bucket[], value: number): number {
  if (!Number.isFinite(value)) return histogram.length;
  let k = histogram.findIndex((bucket) => value <= bucket.upperMs);
  if (k === -1) return histogram.length;
  const upper = histogram[k]?.upperMs ?? 0;
  const next = histogram[1]?.upperMs ?? 0;
  const lower = k > 0 ? (histogram[k - 1]?.upperMs ?? 0) : upper > 0 && next > upper ? upper / (next / upper) : 0;
  let fraction: number;
  if (!Number.isFinite(upper)) fraction = 0.5;
  else if (lower > 0 && value > lower && upper > lower) fraction = Math.log(value / lower) / Math.log(upper / lower);
  else fraction = upper > lower ? Math.max(0, value - lower) / (upper - lower) : 1;
  k += Math.min(1, Math.max(0, fraction));
  return k;
}
