/**
 * The run's report as one self-contained HTML file: the verdict and its
 * problems, the totals, throughput over time, the latency distribution,
 * rejections by reason, the fault table and the per-second numbers. Charts
 * are inline SVG drawn here, so the file opens offline with nothing to load
 * and no script to run; its Content-Security-Policy forbids both, so even a
 * slip in escaping could not fetch or execute anything.
 *
 *   await writeFile('report.html', renderHtmlReport(result, { title: 'Staging, 10k devices' }));
 *
 * Readable without colour: the verdict, every status and every line of a chart
 * carries a word or a dash pattern, and each SVG has a title and description.
 * docs/simulator.md ("Reading the report") says how to read each part.
 */
import { formatCount, formatMs, formatRate, formatSeconds } from '../format.js';
import { printable } from '../printable.js';
import { reasonsByCount, topReasons } from '../reasons-by-count.js';
import type { FleetRunResult } from '../run-result.js';
import { escapeHtml } from './escape-html.js';
import { LATENCY_MARKERS, latencyChart } from './latency-chart.js';
import { rejectionsChart } from './rejections-chart.js';
import { throughputChart } from './throughput-chart.js';

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; color: #111; background: #fff; margin: 0 auto; max-width: 780px; padding: 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta, .reading { color: #333; } .reading { font-size: 14px; }
.verdict { border: 3px solid; padding: 8px 14px; margin: 16px 0; }
.verdict h2 { margin: 4px 0; font-size: 20px; }
.verdict.pass { border-color: #1b7f3b; background: #eef8f0; } .verdict.fail { border-color: #b00020; background: #fdeeee; border-style: double; border-width: 6px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #999; padding: 3px 8px; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; } code { overflow-wrap: anywhere; }
.status-fail { font-weight: bold; color: #b00020; } .status-ok { color: #1b7f3b; }
svg.chart { display: block; max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg .grid { stroke: #ddd; } svg .frame { fill: none; stroke: #bbb; } svg .empty { font-size: 15px; fill: #333; }
svg .tick, svg .unit { fill: #333; } svg .series polyline { fill: none; stroke-width: 2; }
svg .series-sent { stroke: #0072b2; fill: #0072b2; } svg .series-verified { stroke: #009e73; fill: #009e73; } svg .series-rejected { stroke: #d55e00; fill: #d55e00; }
svg #latency .bar, svg .bar { fill: #56b4e9; stroke: #1f5f85; } svg .reason .bar { fill: #e69f00; stroke: #8a5f00; }
svg .marker line { stroke: #111; stroke-dasharray: 3 2; } svg .marker-label { fill: #111; font-size: 10px; }
`;

const FAILING_TOTALS: readonly (readonly [keyof FleetRunResult['totals'], string])[] = [
  ['lost', 'valid readings never verified'],
  ['duplicates', 'extra copies of a valid reading forwarded'],
  ['slipped', 'injected faults that came out verified'],
  ['misclassified', 'faults refused under another reason than expected'],
];

export function renderHtmlReport(result: FleetRunResult, options: { readonly title?: string } = {}): string {
  const title = options.title ?? 'xlink simulate report';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(title)}</title><style>${STYLE}</style></head><body>`,
    `<header><h1>${text(title)}</h1><p class="meta">${text(runLine(result), 1000)}</p></header>`,
    verdict(result),
    totals(result),
    section(
      'throughput',
      'Throughput',
      throughputChart(result.series),
      'Verified should follow sent, one second behind at most; a gap that grows is a gateway falling behind.',
    ),
    section('latency', 'Latency', latencyChart(result.latencyHistogram, result.latency) + latencyTable(result), ''),
    section(
      'rejections',
      'Rejections',
      rejectionsChart(result.rejections) + rejectionsTable(result),
      'Each reason should be one a fault below expects.',
    ),
    faults(result),
    seriesTable(result),
    '<footer><p class="reading">Written by <code>xlink simulate</code>. How to read it: docs/simulator.md, section Reading the report.</p></footer>',
    '</body></html>',
    '',
  ].join('\n');
}

/** Untrusted text for the page: controls made visible, then escaped. */
function text(value: string, max = 200): string {
  return escapeHtml(printable(value, max));
}

function runLine(result: FleetRunResult): string {
  const started = Number.isFinite(result.startedAt) ? new Date(result.startedAt).toISOString() : 'unknown';
  const runtimes = Object.entries(result.fleet.runtimes)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([runtime, count]) => `${runtime} ${count}`)
    .join(', ');
  return (
    `Started ${started} (${result.clock} clock), ${formatSeconds(result.durationMs)} s; ` +
    `${formatCount(result.fleet.devices)} devices${runtimes === '' ? '' : ` (${runtimes})`} on ${formatCount(result.fleet.connections)} connections; ` +
    `${formatCount(result.gateway.instances)} gateway(s) at ${result.gateway.brokerUrl}.`
  );
}

function verdict(result: FleetRunResult): string {
  const counts = FAILING_TOTALS.map(([name]) => `${name} ${formatCount(result.totals[name])}`).join(', ');
  if (result.passed) {
    const nothing = result.totals.sent === 0 ? ' <strong>Nothing was sent: this run measured nothing.</strong>' : '';
    return `<section class="verdict pass" role="status"><h2>&#10004; PASSED</h2><p>Every valid message verified exactly once; every injected fault refused with its expected reason (${counts}).${nothing}</p></section>`;
  }
  const problems = result.problems.map((problem) => `<li>${text(problem)}</li>`).join('');
  return `<section class="verdict fail" role="alert"><h2>&#10008; FAILED</h2><p>${counts}.</p>${problems === '' ? '' : `<ul>${problems}</ul>`}</section>`;
}

function totals(result: FleetRunResult): string {
  const t = result.totals;
  const failing = new Map(FAILING_TOTALS);
  const row = (name: string, value: string, meaning: string, status = ''): string =>
    `<tr><th scope="row">${name}</th><td class="number">${value}</td><td>${meaning}</td><td>${status}</td></tr>`;
  const rows = [
    row('sent', formatCount(t.sent), `every message published, ${formatRate(result.rate.sentPerSecond)}/s`),
    row('valid', formatCount(t.valid), 'of them valid readings'),
    row(
      'verified',
      formatCount(t.verified),
      `forwarded by the gateway, ${formatRate(result.rate.verifiedPerSecond)}/s`,
    ),
    row('injected', formatCount(t.injected), 'of them injected faults'),
    row('rejected', formatCount(t.rejected), 'seen on the dead-letter topic'),
    ...FAILING_TOTALS.map(([name]) => {
      const value = t[name];
      return row(
        name,
        formatCount(value),
        failing.get(name) ?? '',
        value === 0 ? '<span class="status-ok">ok</span>' : '<span class="status-fail">FAIL</span>',
      );
    }),
  ];
  return `<section id="totals"><h2>Totals</h2><table><thead><tr><th>total</th><th>count</th><th>meaning</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function section(id: string, heading: string, body: string, reading: string): string {
  return `<section id="${id}-section"><h2>${heading}</h2>${body}${reading === '' ? '' : `<p class="reading">${reading}</p>`}</section>`;
}

function latencyTable(result: FleetRunResult): string {
  const { latency } = result;
  const head = ['samples', 'mean', ...LATENCY_MARKERS.map(([, label]) => label)];
  const values = [
    formatCount(latency.count),
    formatMs(latency.mean),
    ...LATENCY_MARKERS.map(([key]) => formatMs(latency[key])),
  ];
  return `<table><caption>Latency in ms, publish to forwarded record</caption><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody><tr>${values.map((v) => `<td class="number">${v}</td>`).join('')}</tr></tbody></table>`;
}

function rejectionsTable(result: FleetRunResult): string {
  const rows = topReasons(result.rejections);
  if (rows.length === 0) return '';
  return `<table><thead><tr><th>reason</th><th>count</th></tr></thead><tbody>${rows
    .map(
      ([reason, count]) =>
        `<tr><td><code>${text(reason)}</code></td><td class="number">${formatCount(count)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function faults(result: FleetRunResult): string {
  if (result.faults.length === 0) {
    return '<section id="faults-section"><h2>Faults</h2><p>No fault was injected in this run.</p></section>';
  }
  const rows = result.faults.map((fault) => {
    const observed = reasonsByCount(fault.observed)
      .map(([outcome, count]) => `<code>${text(outcome)}</code> ${formatCount(count)}`)
      .join('<br>');
    const status = fault.ok ? '<span class="status-ok">ok</span>' : '<span class="status-fail">FAIL</span>';
    return `<tr><th scope="row">${text(fault.fault)}</th><td class="number">${formatCount(fault.injected)}</td><td><code>${text(fault.expected)}</code></td><td>${observed === '' ? 'nothing' : observed}</td><td>${status}</td></tr>`;
  });
  return `<section id="faults-section"><h2>Faults</h2><table id="faults"><thead><tr><th>fault</th><th>injected</th><th>expected</th><th>observed</th><th>ok</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="reading">A fault is ok when every injection was observed under its expected outcome.</p></section>`;
}

function seriesTable(result: FleetRunResult): string {
  const rows = result.series
    .map(
      (s) =>
        `<tr><td class="number">${s.second}</td><td class="number">${s.sent}</td><td class="number">${s.verified}</td><td class="number">${s.rejected}</td></tr>`,
    )
    .join('');
  return `<details><summary>Per-second numbers (${result.series.length} seconds)</summary><table><thead><tr><th>second</th><th>sent</th><th>verified</th><th>rejected</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}
