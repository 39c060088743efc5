// The HTML report as a person sees it: each fixture written to a file and
// opened from disk in real headless Chromium (test/helpers/chromium.ts), one
// browser for the suite. The charts must be present and drawn (SVG boxes of
// nonzero size, one bar per reason), nothing may be requested beyond the file
// itself, and a hostile reason must stay text. A full-page screenshot of each
// is taken (PNG, kept in XLINK_SCREENSHOT_DIR when set, else a temp folder).
// Without Chromium it says it did not run; CI installs it and sets
// XLINK_REQUIRE_CHROMIUM.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { printable } from '../../simulator/printable.js';
import { renderHtmlReport } from '../../simulator/report/html.js';
import type { FleetRunResult } from '../../simulator/run-result.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { emptyRun, failingRun, HOSTILE_REASON, passingRun } from './run-fixtures.js';

const browser = await launchChromium();

if (browser === undefined) {
  console.log(`HTML report in Chromium: not run: ${CHROMIUM} not installed (apt-get install chromium)`);
  test('HTML report in Chromium', { skip: 'chromium not installed (apt-get install chromium)' }, () => {});
} else {
  const chromium = browser; // narrowed, for the closures below
  const dir = mkdtempSync(join(tmpdir(), 'xlink-report-'));
  const shots = process.env.XLINK_SCREENSHOT_DIR ?? dir;
  mkdirSync(shots, { recursive: true });
  after(async () => {
    await chromium.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const requests: string[] = [];
  chromium.context.on('request', (request) => requests.push(request.url()));

  /** Opens the fixture's report from a file; returns the page, what it requested, and what it logged or raised. */
  async function open(name: string, result: FleetRunResult) {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderHtmlReport(result, { title: `Report: ${name}` }));
    const url = pathToFileURL(file).href;
    const page = await chromium.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => problems.push(`console ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => problems.push(`dialog: ${dialog.message()}`));
    const before = requests.length;
    await page.goto(url, { waitUntil: 'load' });
    const shot = join(shots, `report-${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
    assert.ok(png.length > 10_000, `the screenshot has content (${png.length} bytes)`);
    assert.deepEqual(requests.slice(before), [url], 'the report requests nothing but itself');
    return { page, problems };
  }

  /** The client box of every element matching the selector, inside the page. */
  const boxes = (page: Page, selector: string) =>
    page.$$eval(selector, (elements) =>
      elements.map((element) => {
        const box = (element as SVGGraphicsElement).getBoundingClientRect();
        return { width: box.width, height: box.height };
      }),
    );

  const drawn = (list: readonly { width: number; height: number }[]) =>
    list.every((box) => box.width > 0 && box.height > 0);

  describe('HTML report in Chromium', { timeout: 120_000 }, () => {
    it('a passing run: three charts drawn, every line and bar with a nonzero box, six percentile markers', async () => {
      const result = passingRun();
      const { page, problems } = await open('passing', result);
      assert.equal(await page.title(), 'Report: passing');
      const charts = await boxes(page, 'svg.chart');
      assert.equal(charts.length, 3);
      assert.ok(drawn(charts), JSON.stringify(charts));
      assert.deepEqual(await page.$$eval('svg.chart > title', (titles) => titles.map((t) => t.textContent)), [
        'Throughput over time',
        'Latency distribution, publish to forward',
        'Rejections by reason',
      ]);
      const lines = await boxes(page, '#throughput polyline');
      assert.equal(lines.length, 3);
      // Each spans the plot's width (576 px at 1280 wide) and rises or falls somewhere.
      assert.ok(drawn(lines) && lines.every((box) => box.width > 500), JSON.stringify(lines));
      const latencyBars = await boxes(page, '#latency rect.bar');
      assert.equal(latencyBars.length, result.latencyHistogram.filter((b) => b.count > 0).length);
      assert.ok(drawn(latencyBars));
      assert.equal((await boxes(page, '#latency .marker line')).length, 6);
      const reasonBars = await boxes(page, '#rejections rect.bar');
      assert.equal(reasonBars.length, Object.keys(result.rejections).length);
      assert.ok(drawn(reasonBars));
      assert.match((await page.textContent('.verdict')) ?? '', /PASSED/);
      assert.equal(await page.$$eval('.status-fail', (cells) => cells.length), 0);
      // The series are told apart by their dash patterns, not by colour alone.
      const dashes = await page.$$eval('#throughput .series', (groups) =>
        groups.map((g) => getComputedStyle(g).strokeDasharray),
      );
      assert.equal(new Set(dashes).size, 3, dashes.join(' | '));
      assert.deepEqual(problems, []);
      await page.close();
    });

    it('a failing run: the banner says FAILED with its problems, the hostile reason stays text', async () => {
      const result = failingRun();
      const { page, problems } = await open('failing', result);
      const verdict = (await page.textContent('.verdict')) ?? '';
      assert.match(verdict, /FAILED/);
      assert.match(verdict, /42 valid readings lost/);
      assert.equal(await page.getAttribute('.verdict', 'role'), 'alert');
      const reasonBars = await boxes(page, '#rejections rect.bar');
      assert.equal(reasonBars.length, Object.keys(result.rejections).length);
      assert.ok(drawn(reasonBars));
      // No element came from the reason: no script ran, no image, its text shown as printed.
      assert.equal(await page.evaluate(() => document.scripts.length), 0);
      assert.equal(await page.evaluate(() => document.images.length), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
      const tableText = (await page.textContent('#rejections-section table')) ?? '';
      assert.ok(tableText.includes(printable(HOSTILE_REASON, 200)), tableText);
      const statuses = await page.$$eval('#faults .status-fail', (cells) => cells.length);
      assert.equal(statuses, result.faults.filter((f) => !f.ok).length);
      assert.deepEqual(problems, []);
      await page.close();
    });

    it('an empty run: each chart shows its no-data notice, nothing is NaN', async () => {
      const { page, problems } = await open('empty', emptyRun());
      const charts = await boxes(page, 'svg.chart');
      assert.equal(charts.length, 3);
      assert.ok(drawn(charts));
      assert.deepEqual(await page.$$eval('svg.chart text.empty', (texts) => texts.map((t) => t.textContent)), [
        'No per-second samples in this run',
        'No latency samples in this run',
        'No rejections observed',
      ]);
      assert.equal((await boxes(page, 'svg .bar, svg polyline')).length, 0);
      const html = await page.content();
      assert.doesNotMatch(html, /NaN|Infinity/);
      assert.deepEqual(problems, []);
      await page.close();
    });
  });
}
