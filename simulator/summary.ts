/**
 * The end-of-run summary in three forms: an aligned table (what `xlink
 * simulate` prints by default, in the manner of emqtt-bench and
 * mqtt-benchmark), `--json` and `--csv`. Each returns text ending in a newline,
 * ready for `process.stdout.write`.
 *
 *   process.stdout.write(summaryTable(result));
 *
 * Reasons and outcomes are DLQ topic segments, chosen by whoever publishes
 * there: the table and the CSV show them through `printable` (controls and bidi
 * characters made visible, so they cannot rewrite a terminal); the JSON keeps
 * them exact (JSON escapes controls) and escapes C1 and bidi characters too.
 */
import { formatCount, formatMs, formatRate, formatSeconds } from './format.js';
import { INVISIBLE, printable, unicodeEscape } from './printable.js';
import { reasonsByCount, topReasons } from './reasons-by-count.js';
import type { FaultOutcome, FleetRunResult } from './run-result.js';

const REASON_WIDTH = 60;

const TOTALS: readonly (keyof FleetRunResult['totals'])[] = [
  'sent',
  'valid',
  'verified',
  'duplicates',
  'lost',
  'injected',
  'rejected',
  'slipped',
  'misclassified',
];
/** Any of these above zero fails the run (the result's `passed`), so the table marks them. */
const FAILING_TOTALS: ReadonlySet<string> = new Set(['duplicates', 'lost', 'slipped', 'misclassified']);

const PERCENTILES = ['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
const PERCENTILE_LABELS: Readonly<Record<(typeof PERCENTILES)[number], string>> = {
  p50: 'p50',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  p999: 'p99.9',
  max: 'max',
};

export function summaryTable(result: FleetRunResult): string {
  const { totals, latency } = result;
  const lines: string[] = [];
  const section = (title: string, rows: readonly (readonly string[])[]): void => {
    lines.push('', title, ...aligned(rows).map((row) => `  ${row}`));
  };
  lines.push(`xlink simulate: ${result.passed ? 'PASSED' : 'FAILED'}`);
  section('run', [
    ['clock', result.clock],
    ['duration', `${formatSeconds(result.durationMs)} s`],
    ['devices', `${formatCount(result.fleet.devices)}${runtimes(result)}`],
    ['connections', formatCount(result.fleet.connections)],
    ['gateways', `${formatCount(result.gateway.instances)} at ${printable(result.gateway.brokerUrl)}`],
  ]);
  section(
    'messages',
    TOTALS.map((name) => {
      const value = totals[name];
      const rate =
        name === 'sent'
          ? `${formatRate(result.rate.sentPerSecond)}/s`
          : name === 'verified'
            ? `${formatRate(result.rate.verifiedPerSecond)}/s`
            : '';
      return [name, formatCount(value), rate, FAILING_TOTALS.has(name) && value > 0 ? '<- FAIL' : ''];
    }),
  );
  section('latency, publish to forward (ms)', [
    ['count', 'mean', ...PERCENTILES.map((p) => PERCENTILE_LABELS[p])],
    [formatCount(latency.count), formatMs(latency.mean), ...PERCENTILES.map((p) => formatMs(latency[p]))],
  ]);
  const reasons = topReasons(result.rejections);
  section(
    'rejections by reason',
    reasons.length === 0
      ? [['none']]
      : reasons.map(([reason, count]) => [printable(reason, REASON_WIDTH), formatCount(count)]),
  );
  section(
    'faults',
    result.faults.length === 0
      ? [['none injected']]
      : [
          ['fault', 'injected', 'expected', 'observed', 'ok'],
          ...result.faults.map((fault) => [
            fault.fault,
            formatCount(fault.injected),
            printable(fault.expected, REASON_WIDTH),
            observedText(fault),
            fault.ok ? 'ok' : 'FAIL',
          ]),
        ],
  );
  if (result.problems.length > 0) {
    section(
      'problems',
      result.problems.map((problem) => [`- ${printable(problem, 200)}`]),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function summaryJson(result: FleetRunResult): string {
  // C1 controls and bidi characters can only sit inside JSON strings here, so escaping them keeps the value.
  const text = JSON.stringify(sortedKeys(result), null, 2).replace(INVISIBLE, unicodeEscape);
  return `${text}\n`;
}

export function summaryCsv(result: FleetRunResult): string {
  const rows: [string, string | number | boolean][] = [
    ['started_at', result.startedAt],
    ['duration_ms', result.durationMs],
    ['clock', result.clock],
    ['fleet.devices', result.fleet.devices],
    ['fleet.connections', result.fleet.connections],
    ...Object.entries(result.fleet.runtimes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([runtime, count]): [string, number] => [`fleet.runtime.${runtime}`, count ?? 0]),
    ['gateway.broker_url', result.gateway.brokerUrl],
    ['gateway.instances', result.gateway.instances],
    ...TOTALS.map((name): [string, number] => [`totals.${name}`, result.totals[name]]),
    ['rate.sent_per_second', result.rate.sentPerSecond],
    ['rate.verified_per_second', result.rate.verifiedPerSecond],
    ['latency.count', result.latency.count],
    ['latency.mean_ms', result.latency.mean],
    ...PERCENTILES.map((p): [string, number] => [`latency.${p}_ms`, result.latency[p]]),
    ...reasonsByCount(result.rejections).map(([reason, count]): [string, number] => [`rejections.${reason}`, count]),
    ...result.faults.flatMap((fault): [string, string | number | boolean][] => [
      [`fault.${fault.fault}.injected`, fault.injected],
      [`fault.${fault.fault}.expected`, fault.expected],
      ...reasonsByCount(fault.observed).map(([outcome, count]): [string, number] => [
        `fault.${fault.fault}.${outcome}`,
        count,
      ]),
      [`fault.${fault.fault}.ok`, fault.ok],
    ]),
    ['passed', result.passed],
    ...result.problems.map((problem, index): [string, string] => [`problem.${index + 1}`, problem]),
  ];
  return `metric,value\n${rows.map(([metric, value]) => `${csvField(metric)},${csvField(value)}`).join('\n')}\n`;
}

function runtimes(result: FleetRunResult): string {
  const parts = Object.entries(result.fleet.runtimes)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([runtime, count]) => `${runtime} ${formatCount(count ?? 0)}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function observedText(fault: FaultOutcome): string {
  const parts = reasonsByCount(fault.observed).map(
    ([outcome, count]) => `${printable(outcome, REASON_WIDTH)}=${count}`,
  );
  return parts.length === 0 ? 'nothing' : parts.join(' ');
}

/** Pads every column but the last to its widest cell; trailing blanks trimmed. */
function aligned(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd(),
  );
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * One CSV field (RFC 4180 quoting). A number that is not finite (the mean of
 * no samples) is an empty field, as spreadsheets and pandas read a missing
 * value. Text goes through `printable` without a
 * length cap (the CLI prints CSV to a terminal), and text a spreadsheet would
 * run as a formula (=, +, -, @ first) gets a leading apostrophe (OWASP).
 */
function csvField(value: string | number | boolean): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return String(value);
  let text = printable(value, Number.POSITIVE_INFINITY);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
