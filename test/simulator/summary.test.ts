// The end-of-run summary (simulator/summary.ts): the table the CLI prints, the
// JSON and the CSV, on the passing, failing and empty fixtures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printable } from '../../simulator/printable.js';
import { reasonsByCount } from '../../simulator/reasons-by-count.js';
import type { FleetRunResult } from '../../simulator/run-result.js';
import { summaryCsv, summaryJson, summaryTable } from '../../simulator/summary.js';
import { parseCsv } from './csv.js';
import { emptyRun, failingRun, HOSTILE_REASON, passingRun } from './run-fixtures.js';

/** The lines of one section of the table, without its title. */
function section(table: string, title: string): string[] {
  const blocks = table.split('\n\n');
  const block = blocks.find((b) => b.startsWith(`${title}\n`));
  assert.ok(block, `section ${title}`);
  return block
    .split('\n')
    .slice(1)
    .filter((line) => line !== '');
}

describe('summaryTable', () => {
  it('says PASSED, lists every total with both rates, and marks nothing', () => {
    const table = summaryTable(passingRun());
    assert.equal(table.split('\n')[0], 'xlink simulate: PASSED');
    assert.ok(table.endsWith('\n'));
    const messages = section(table, 'messages');
    assert.deepEqual(
      messages.map((line) => line.trim().split(/\s+/)[0]),
      ['sent', 'valid', 'verified', 'duplicates', 'lost', 'injected', 'rejected', 'slipped', 'misclassified'],
    );
    assert.match(messages[0] ?? '', /^ {2}sent +11110 +544\.6\/s$/);
    assert.match(messages[2] ?? '', /^ {2}verified +11000 +539\.2\/s$/);
    assert.doesNotMatch(table, /FAIL/);
    assert.doesNotMatch(table, /^problems$/m);
    assert.match(table, /devices +100 \(node 96, xs 2, quickjs 2\)/);
  });

  it('aligns each section in columns: every value of a column starts at one offset', () => {
    const table = summaryTable(passingRun());
    for (const title of ['run', 'messages', 'rejections by reason', 'faults']) {
      const lines = section(table, title);
      const offsets = new Set(lines.map((line) => /^ {2}\S+(?: \S+)*? {2,}/.exec(line)?.[0].length));
      assert.equal(offsets.size, 1, `${title}:\n${lines.join('\n')}`);
    }
    const [head, values] = section(table, 'latency, publish to forward (ms)');
    assert.ok(head !== undefined && values !== undefined);
    const starts = (line: string) => [...line.matchAll(/\S+/g)].map((m) => m.index);
    assert.deepEqual(starts(head), starts(values));
    assert.deepEqual(head.trim().split(/\s+/), ['count', 'mean', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max']);
    assert.deepEqual(values.trim().split(/\s+/), ['11000', '3.10', '2.40', '5.20', '7.90', '18.5', '61.0', '140.0']);
  });

  it('says FAILED, marks lost, slipped and misclassified, and prints each problem', () => {
    const result = failingRun();
    const table = summaryTable(result);
    assert.equal(table.split('\n')[0], 'xlink simulate: FAILED');
    const marked = section(table, 'messages')
      .filter((line) => line.endsWith('<- FAIL'))
      .map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '));
    assert.deepEqual(marked, ['lost 42', 'slipped 3', 'misclassified 1']);
    const faults = section(table, 'faults');
    assert.deepEqual(
      faults.filter((line) => line.endsWith('FAIL')).map((line) => line.trim().split(/\s+/)[0]),
      ['revoked', 'garbage'],
    );
    assert.match(table, /verification-failed\.revoked=7 verified=3/);
    assert.deepEqual(section(table, 'problems').length, result.problems.length);
  });

  it('shows a hostile reason with its controls and bidi characters made visible, cut to 60 characters', () => {
    const table = summaryTable(failingRun());
    assert.ok(!table.includes('\u001b') && !table.includes('\u202e'));
    const shown = printable(HOSTILE_REASON, 60);
    assert.ok(table.includes(`  ${shown}  1\n`), table);
    assert.ok(table.includes('\\u001b[2J\\u202eko'), 'the problem line keeps the whole reason, escaped');
  });

  it('an empty run: zeros, n/a for the latency, "none" for rejections and faults, no NaN', () => {
    const table = summaryTable(emptyRun());
    assert.doesNotMatch(table, /NaN|Infinity|undefined/);
    assert.deepEqual(section(table, 'latency, publish to forward (ms)')[1]?.trim().split(/\s+/), [
      '0',
      ...Array(7).fill('n/a'),
    ]);
    assert.deepEqual(section(table, 'rejections by reason'), ['  none']);
    assert.deepEqual(section(table, 'faults'), ['  none injected']);
  });
});

describe('summaryJson', () => {
  it('round-trips the result and ends in a newline', () => {
    const result = failingRun();
    const text = summaryJson(result);
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(JSON.parse(text), result);
    assert.equal(JSON.parse(text).rejections[HOSTILE_REASON], 1, 'the reason is kept exactly');
  });

  it('is stable: the same text whatever order the keys were built in, keys sorted at every level', () => {
    const result = passingRun();
    const reversed = reverseKeys(result) as FleetRunResult;
    assert.notDeepEqual(Object.keys(reversed), Object.keys(result));
    assert.equal(summaryJson(reversed), summaryJson(result));
    const parsed = JSON.parse(summaryJson(result));
    assert.deepEqual(Object.keys(parsed), Object.keys(parsed).sort());
    assert.deepEqual(Object.keys(parsed.totals), Object.keys(parsed.totals).sort());
  });

  it('escapes C1 controls and bidi characters as \\u, and the value still parses back exactly', () => {
    const result = { ...passingRun(), rejections: { 'a\u009bb\u202ec\u2028d': 1 } };
    const text = summaryJson(result);
    assert.doesNotMatch(text, /[\u009b\u202e\u2028]/);
    assert.ok(text.includes('a\\u009bb\\u202ec\\u2028d'));
    assert.deepEqual(JSON.parse(text).rejections, result.rejections);
  });

  it('an empty run: latencies that are not numbers become null, nothing else changes', () => {
    const parsed = JSON.parse(summaryJson(emptyRun()));
    assert.deepEqual(parsed.latency, {
      count: 0,
      max: null,
      mean: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      p999: null,
    });
    assert.deepEqual(parsed.series, []);
  });
});

describe('summaryCsv', () => {
  it('a header line, then one metric,value row each; faults as fault.<kind>.<outcome>', () => {
    const result = failingRun();
    const rows = parseCsv(summaryCsv(result));
    assert.deepEqual(rows[0], ['metric', 'value']);
    assert.ok(rows.every((row) => row.length === 2));
    const values = new Map(rows.slice(1).map(([metric, value]) => [metric, value]));
    assert.equal(values.size, rows.length - 1, 'no metric twice');
    assert.equal(values.get('totals.lost'), '42');
    assert.equal(values.get('totals.slipped'), '3');
    assert.equal(values.get('fault.revoked.injected'), '10');
    assert.equal(values.get('fault.revoked.expected'), 'verification-failed.revoked');
    assert.equal(values.get('fault.revoked.verification-failed.revoked'), '7');
    assert.equal(values.get('fault.revoked.verified'), '3');
    assert.equal(values.get('fault.revoked.ok'), 'false');
    assert.equal(values.get('fault.replay.duplicate'), '10');
    assert.equal(values.get('latency.p999_ms'), '61');
    assert.equal(values.get('fleet.runtime.xs'), '2');
    assert.equal(values.get('passed'), 'false');
    assert.equal(values.get('problem.1'), result.problems[0]);
    const reasons = rows.filter(([metric]) => metric?.startsWith('rejections.')).map(([m]) => m?.slice(11));
    assert.deepEqual(
      reasons,
      reasonsByCount(result.rejections).map(([reason]) => printable(reason, Number.POSITIVE_INFINITY)),
    );
  });

  it('a hostile reason: quoted, controls made visible, and one row still', () => {
    const rows = parseCsv(summaryCsv(failingRun()));
    const hostile = `rejections.${printable(HOSTILE_REASON, Number.POSITIVE_INFINITY)}`;
    assert.deepEqual(
      rows.find(([metric]) => metric === hostile),
      [hostile, '1'],
    );
    const csv = summaryCsv(failingRun());
    assert.ok(!csv.includes('\u001b') && !csv.includes('\u202e'));
  });

  it('text a spreadsheet would run as a formula gets a leading apostrophe', () => {
    const result = { ...failingRun(), problems: ['=HYPERLINK("http://203.0.113.9/","x")', '+1', '-1', '@SUM(A1)'] };
    const problems = parseCsv(summaryCsv(result)).filter(([metric]) => metric?.startsWith('problem.'));
    assert.deepEqual(
      problems.map(([, value]) => value),
      ['\'=HYPERLINK("http://203.0.113.9/","x")', "'+1", "'-1", "'@SUM(A1)"],
    );
  });

  it('an empty run: every row present, latencies without samples empty, no reason or fault row', () => {
    const rows = parseCsv(summaryCsv(emptyRun()));
    const metrics = rows.map(([metric]) => metric);
    assert.ok(metrics.includes('totals.sent'));
    assert.ok(!metrics.some((m) => m?.startsWith('rejections.') || m?.startsWith('fault.')));
    assert.equal(rows.find(([m]) => m === 'latency.p50_ms')?.[1], '');
    assert.equal(rows.find(([m]) => m === 'latency.count')?.[1], '0');
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, inner]) => [key, reverseKeys(inner)]),
    );
  }
  return value;
}
