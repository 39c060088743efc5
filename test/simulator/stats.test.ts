import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LatencyHistogram } from '../../simulator/stats.js';

/** Nearest-rank percentile of a sorted array: the reference the histogram must match to within one bucket. */
function reference(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
}

const BUCKET_RATIO = 2 ** (1 / 16);

test('percentiles match a sorted reference to within one log bucket (and never exceed the max)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.002, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
      (values) => {
        const histogram = new LatencyHistogram();
        for (const v of values) histogram.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const p of [50, 90, 95, 99, 99.9, 100]) {
          const exact = reference(sorted, p);
          const got = histogram.percentile(p);
          assert.ok(got >= exact * (1 - 1e-12), `p${p}: ${got} below the reference ${exact}`);
          assert.ok(got <= exact * BUCKET_RATIO * (1 + 1e-12), `p${p}: ${got} more than a bucket above ${exact}`);
        }
        const summary = histogram.summary();
        assert.equal(summary.count, values.length);
        assert.equal(summary.max, sorted[sorted.length - 1]);
        assert.ok(Math.abs(summary.mean - values.reduce((a, b) => a + b, 0) / values.length) < 1e-6 * summary.max);
        assert.equal(
          histogram.buckets().reduce((sum, b) => sum + b.count, 0),
          values.length,
        );
      },
    ),
  );
});

test('known values: 1..1000 ms', () => {
  const histogram = new LatencyHistogram();
  for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
  const summary = histogram.summary();
  assert.equal(summary.max, 1000);
  assert.equal(summary.mean, 500.5);
  assert.ok(summary.p50 >= 500 && summary.p50 < 500 * BUCKET_RATIO, String(summary.p50));
  assert.ok(summary.p999 >= 999 && summary.p999 <= 1000, String(summary.p999));
});

test('an empty histogram and odd inputs', () => {
  const histogram = new LatencyHistogram();
  assert.deepEqual(histogram.summary(), { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  histogram.record(Number.NaN);
  histogram.record(-5);
  histogram.record(0);
  assert.equal(histogram.count, 3);
  assert.equal(histogram.percentile(99), 0, 'non-finite and negative latencies count as 0');
});
