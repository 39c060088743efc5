// The simulator's outputs take DLQ reasons from topic segments that anyone who
// may publish under dlq/ chooses (simulator/summary.ts, report/, metrics.ts).
// Fuzzed: whatever the reason, the HTML report keeps its structure (the same
// count of < > " ' as with a plain reason, so no tag or attribute came from
// it), no output carries a raw control or bidi character to a terminal, the
// table and the CSV gain no line, and the JSON gives the reason back exactly.
// Then the floods: many reasons, one huge reason, a __proto__ reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { printable } from '../../simulator/printable.js';
import { MAX_LISTED_REASONS } from '../../simulator/reasons-by-count.js';
import { renderHtmlReport } from '../../simulator/report/html.js';
import type { FleetRunResult } from '../../simulator/run-result.js';
import { summaryCsv, summaryJson, summaryTable } from '../../simulator/summary.js';
import { parseCsv } from '../simulator/csv.js';
import { failingRun, HOSTILE_REASON } from '../simulator/run-fixtures.js';

const RUNS = 400;

/** The failing fixture with `reason` as a rejection, as a garbage fault's observed outcome, and in a problem line. */
function withReason(reason: string): FleetRunResult {
  const base = failingRun();
  return {
    ...base,
    rejections: { 'parse-failed': 9, [reason]: 1 },
    faults: base.faults.map((f) =>
      f.fault === 'garbage' ? { ...f, observed: { 'parse-failed': 9, [reason]: 1 } } : f,
    ),
    problems: [`1 garbage injection observed as ${reason}`],
  };
}

const reasons = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('<', '>', '"', "'", '&', '\u001b', '\u009b', '\u202e', '\u2028', '\n', '\r', ',', '=', 'a'),
    maxLength: 30,
  }),
  fc.constantFrom(HOSTILE_REASON, '</svg><svg onload=alert(1)>', ']]>', '<!--', '\ud800', '=cmd|"/c calc"!A1'),
);

const count = (text: string, c: string): number => text.split(c).length - 1;
// C0 but \n, DEL, C1, bidi and separators: what must never reach a terminal raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the test.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('simulator outputs with a fuzzed DLQ reason', () => {
  const plain = withReason('plain-reason');
  const baseline = {
    html: renderHtmlReport(plain),
    table: summaryTable(plain),
    csvRows: parseCsv(summaryCsv(plain)).length,
  };

  it(`HTML: the same count of < > " ' as with a plain reason, and no raw control (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(reasons, (reason) => {
        fc.pre(reason !== 'parse-failed');
        const html = renderHtmlReport(withReason(reason));
        for (const c of ['<', '>', '"', "'"])
          assert.equal(count(html, c), count(baseline.html, c), `${c} in ${JSON.stringify(reason)}`);
        assert.doesNotMatch(html, RAW);
      }),
      { numRuns: RUNS },
    );
  });

  it(`table: the same number of lines, no raw control; CSV: the same rows, the reason's row present (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(reasons, (reason) => {
        fc.pre(reason !== 'parse-failed');
        const result = withReason(reason);
        const table = summaryTable(result);
        assert.equal(table.split('\n').length, baseline.table.split('\n').length);
        assert.doesNotMatch(table, RAW);
        const csv = summaryCsv(result);
        assert.doesNotMatch(csv, RAW);
        const rows = parseCsv(csv);
        assert.equal(rows.length, baseline.csvRows);
        assert.ok(rows.every((row) => row.length === 2));
        const metric = `rejections.${printable(reason, Number.POSITIVE_INFINITY)}`;
        assert.ok(
          rows.some(([m, v]) => m === metric && v === '1'),
          metric,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it(`JSON: parses, gives the reason back exactly, no raw C1 or bidi character (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(reasons, (reason) => {
        fc.pre(reason !== 'parse-failed');
        const json = summaryJson(withReason(reason));
        assert.doesNotMatch(json, RAW);
        assert.equal(JSON.parse(json).rejections[reason], 1);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('simulator outputs under a flood of reasons', () => {
  it('10,000 invented reasons: table and page list 40 and sum the rest; JSON and CSV keep all', () => {
    const rejections = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`invented-${i}`, 1]));
    const result = { ...failingRun(), rejections };
    const table = summaryTable(result);
    assert.match(table, /\(9960 more reasons\) +9960\n/);
    assert.ok(table.length < 10_000, `${table.length} characters`);
    const html = renderHtmlReport(result);
    assert.equal(count(html, '<g class="reason">'), MAX_LISTED_REASONS + 1);
    assert.ok(html.length < 200_000, `${html.length} characters`);
    assert.equal(Object.keys(JSON.parse(summaryJson(result)).rejections).length, 10_000);
    assert.equal(parseCsv(summaryCsv(result)).filter(([m]) => m?.startsWith('rejections.')).length, 10_000);
  });

  it('one reason of a million characters: the page and the table show 200 and 60 of them', () => {
    const huge = 'x'.repeat(1_000_000);
    const html = renderHtmlReport(withReason(huge));
    assert.ok(html.length < 100_000, `${html.length} characters`);
    assert.ok(summaryTable(withReason(huge)).length < 10_000);
  });

  it('a reason named __proto__ is counted like any other, in every output', () => {
    const rejections = JSON.parse('{"__proto__": 3, "scope-denied": 1}') as Record<string, number>;
    const result = { ...failingRun(), rejections };
    assert.match(summaryTable(result), /^ {2}__proto__ +3$/m);
    assert.deepEqual(Object.entries(JSON.parse(summaryJson(result)).rejections), [
      ['__proto__', 3],
      ['scope-denied', 1],
    ]);
    assert.ok(parseCsv(summaryCsv(result)).some(([m, v]) => m === 'rejections.__proto__' && v === '3'));
    assert.match(renderHtmlReport(result), /<code>__proto__<\/code><\/td><td class="number">3</);
  });
});
