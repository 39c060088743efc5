// The HTML report's text (simulator/report/html.ts) without a browser: one
// self-contained file with nothing to fetch or run, every untrusted string
// escaped, charts that cope with an empty run. report-chromium.test.ts looks
// at the same files rendered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printable } from '../../simulator/printable.js';
import { MAX_LISTED_REASONS } from '../../simulator/reasons-by-count.js';
import { escapeHtml } from '../../simulator/report/escape-html.js';
import { renderHtmlReport } from '../../simulator/report/html.js';
import { linearScale } from '../../simulator/report/scale.js';
import { emptyRun, failingRun, HOSTILE_REASON, passingRun } from './run-fixtures.js';

/** The markup of one chart. */
function chart(html: string, id: string): string {
  const match = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html);
  assert.ok(match, `chart ${id}`);
  return match[0];
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('renderHtmlReport', () => {
  for (const [name, result] of [
    ['passing', passingRun()],
    ['failing', failingRun()],
    ['empty', emptyRun()],
  ] as const) {
    it(`${name} run: one document, three titled charts, nothing that loads or runs`, () => {
      const html = renderHtmlReport(result);
      assert.ok(html.startsWith('<!doctype html>\n<html lang="en">'));
      assert.equal(count(html, '<html'), 1);
      assert.ok(html.trimEnd().endsWith('</body></html>'));
      assert.match(
        html,
        /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/,
      );
      // Tags only: text may say "src=" (a hostile reason does); its < is escaped, so it opens no tag.
      assert.doesNotMatch(html, /<(?:script|link|img|iframe|object|embed|image|use|foreignObject)\b/i);
      assert.doesNotMatch(html, /<[^>]*\s(?:src|href|xlink:href|srcset|action|style)=/i);
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
      assert.doesNotMatch(style, /@import|url\(/);
      for (const id of ['throughput', 'latency', 'rejections']) {
        const svg = chart(html, id);
        assert.match(svg, new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`));
        assert.match(svg, new RegExp(`role="img" .*aria-labelledby="${id}-title ${id}-desc"`));
      }
      assert.doesNotMatch(html, /NaN|Infinity|undefined/);
    });
  }

  it('the title option is escaped into <title> and <h1>', () => {
    const html = renderHtmlReport(passingRun(), { title: 'Staging <b>&</b>' });
    assert.ok(html.includes('<title>Staging &lt;b&gt;&amp;&lt;/b&gt;</title>'));
    assert.ok(html.includes('<h1>Staging &lt;b&gt;&amp;&lt;/b&gt;</h1>'));
  });

  it('a hostile reason is text everywhere it appears: chart label, bar title, table, fault row, problem', () => {
    const html = renderHtmlReport(failingRun());
    assert.ok(!html.includes('<script') && !html.includes('onerror="'), 'no markup from the reason');
    assert.ok(!html.includes('\u001b') && !html.includes('\u202e'), 'no raw control or bidi character');
    const shown = escapeHtml(printable(HOSTILE_REASON, 200));
    // The rejections table, the fault row's observed cell, the problem line.
    assert.equal(count(html, `<code>${shown}</code>`), 2);
    assert.equal(
      count(html, `<li>${escapeHtml(printable(`1 garbage injection observed as ${HOSTILE_REASON}`, 200))}</li>`),
      1,
    );
    const rejections = chart(html, 'rejections');
    assert.ok(rejections.includes(`<title>${shown}: 1</title>`));
    assert.ok(rejections.includes(`>${escapeHtml(printable(HOSTILE_REASON, 40))}</text>`));
  });

  it('one bar per reason, longest first; past the cap the rest share one bar', () => {
    const few = chart(renderHtmlReport(failingRun()), 'rejections');
    assert.equal(count(few, 'class="bar"'), Object.keys(failingRun().rejections).length);
    const labels = [...few.matchAll(/class="reason-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    assert.equal(labels[labels.length - 1], escapeHtml(printable(HOSTILE_REASON, 40)), 'the count-1 reason last');
    const rejections = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`reason-${i}`, i + 1]));
    const many = chart(renderHtmlReport({ ...passingRun(), rejections }), 'rejections');
    assert.equal(count(many, 'class="bar"'), MAX_LISTED_REASONS + 1);
    const rest = (60 * 61) / 2; // reasons 0..59 hold 1..60 messages
    assert.match(many, new RegExp(`\\(60 more reasons\\)</text><rect[^>]*/><text[^>]*>${rest}</text>`));
  });

  it('the latency chart: one bar per nonempty bucket and a marker for each of p50 p90 p95 p99 p99.9 max, in order', () => {
    const result = passingRun();
    const svg = chart(renderHtmlReport(result), 'latency');
    assert.equal(count(svg, 'class="bar"'), result.latencyHistogram.filter((b) => b.count > 0).length);
    const markers = [...svg.matchAll(/<g class="marker marker-(\w+)"><title>[^<]*<\/title><line x1="([\d.]+)"/g)];
    assert.deepEqual(
      markers.map((m) => m[1]),
      ['p50', 'p90', 'p95', 'p99', 'p999', 'max'],
    );
    const xs = markers.map((m) => Number(m[2]));
    assert.deepEqual(
      [...xs].sort((a, b) => a - b),
      xs,
      'left to right as the values grow',
    );
    // p50 = 2.4 ms lies in the (2, 4] bucket (index 4 of 17 over 648 px from x = 56), log-interpolated.
    const width = (720 - 36 - 56) / 17;
    const expected = 56 + (4 + Math.log(2.4 / 2) / Math.log(2)) * width;
    assert.ok(Math.abs((xs[0] ?? 0) - expected) < 0.01, `${xs[0]} vs ${expected}`);
  });

  it('the throughput chart: three polylines with a point per second, told apart by dashes', () => {
    const result = passingRun();
    const svg = chart(renderHtmlReport(result), 'throughput');
    const lines = [
      ...svg.matchAll(
        /<g class="series series-(\w+)"( stroke-dasharray="[^"]+")?><title>[^<]*<\/title><polyline points="([^"]*)"/g,
      ),
    ];
    assert.deepEqual(
      lines.map((m) => m[1]),
      ['sent', 'verified', 'rejected'],
    );
    assert.deepEqual(
      lines.map((m) => m[2] ?? ''),
      ['', ' stroke-dasharray="8 4"', ' stroke-dasharray="2 3"'],
    );
    for (const line of lines) assert.equal(line[3]?.split(' ').length, result.series.length);
  });

  it('a run of one second draws markers, since a one-point line draws nothing', () => {
    const result = { ...passingRun(), series: [{ second: 0, sent: 5, verified: 5, rejected: 0 }] };
    assert.equal(count(chart(renderHtmlReport(result), 'throughput'), '<circle'), 3);
  });

  it('an empty run: each chart draws its notice and no bar, line or marker', () => {
    const html = renderHtmlReport(emptyRun());
    for (const [id, notice] of [
      ['throughput', 'No per-second samples in this run'],
      ['latency', 'No latency samples in this run'],
      ['rejections', 'No rejections observed'],
    ]) {
      const svg = chart(html, id ?? '');
      assert.ok(svg.includes(`>${notice}</text>`), svg);
      assert.doesNotMatch(svg, /class="bar"|<polyline|class="marker/);
    }
    assert.match(html, /Nothing was sent: this run measured nothing\./);
  });
});

describe('linearScale', () => {
  it('rounds the top up to 1, 2, 2.5 or 5 times a power of ten, ticks on whole steps', () => {
    assert.deepEqual(linearScale(37), { top: 40, ticks: [0, 10, 20, 30, 40] });
    assert.deepEqual(linearScale(5000), { top: 5000, ticks: [0, 1000, 2000, 3000, 4000, 5000] });
    assert.deepEqual(linearScale(0.3).ticks, [0, 0.1, 0.2, 0.3]);
    assert.deepEqual(linearScale(19, 8).ticks, [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20]);
  });

  it('nothing to scale (0, negative, NaN, Infinity) gives 0..1, never a division by zero', () => {
    for (const max of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.deepEqual(linearScale(max), { top: 1, ticks: [0, 1] });
    }
  });
});

describe('printable', () => {
  it('shows C0, DEL, C1, bidi and separator characters as \\u escapes and leaves the rest', () => {
    assert.equal(
      printable('a\u0000b\u001b[2Jc\u007fd\u009be\u202ef\u2066g\u2028h'),
      'a\\u0000b\\u001b[2Jc\\u007fd\\u009be\\u202ef\\u2066g\\u2028h',
    );
    assert.equal(printable('verification-failed.revoked ünïcödé 温度'), 'verification-failed.revoked ünïcödé 温度');
  });

  it('cuts to max characters with an ellipsis, never inside a surrogate pair', () => {
    assert.equal(printable('abcdef', 4), 'abc…');
    assert.equal(printable('abcd', 4), 'abcd');
    assert.equal(printable('ab😀cd', 4), 'ab…');
    assert.equal(printable('x'.repeat(1000)).length, 80);
  });
});
