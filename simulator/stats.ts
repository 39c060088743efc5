/**
 * Latency statistics in an HDR-style log histogram: buckets whose upper
 * bounds grow by a constant ratio (2^(1/16), under 4.4 % apart) from 1 µs
 * up, so a percentile is read to within one bucket whatever the range, in
 * constant memory per run. The maximum and mean are exact.
 *
 *   const histogram = new LatencyHistogram();
 *   histogram.record(3.2);                 // ms
 *   histogram.percentile(99);              // the upper bound of the bucket holding the 99th percentile
 */
import type { LatencySummary } from './run-result.js';

const SUB_BUCKETS = 16;
const MIN_MS = 0.001;

export class LatencyHistogram {
  readonly #counts: number[] = [];
  #count = 0;
  #sum = 0;
  #max = 0;

  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const index = bucketOf(value);
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    this.#count++;
    this.#sum += value;
    if (value > this.#max) this.#max = value;
  }

  get count(): number {
    return this.#count;
  }

  /** The smallest bucket bound at or above the p-th percentile (nearest rank), never above the maximum. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(upperOf(i), this.#max);
    }
    return this.#max;
  }

  summary(): LatencySummary {
    return {
      count: this.#count,
      mean: this.#count === 0 ? 0 : this.#sum / this.#count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.#max,
    };
  }

  /** The non-empty buckets, by upper bound in ms. */
  buckets(): { readonly upperMs: number; readonly count: number }[] {
    const out: { upperMs: number; count: number }[] = [];
    this.#counts.forEach((count, i) => {
      if (count > 0) out.push({ upperMs: upperOf(i), count });
    });
    return out;
  }
}

/** Bucket 0 holds everything up to MIN_MS; bucket i > 0 holds (upperOf(i-1), upperOf(i)]. */
function bucketOf(ms: number): number {
  if (ms <= MIN_MS) return 0;
  const index = Math.ceil(Math.log2(ms / MIN_MS) * SUB_BUCKETS);
  // Floating point may land a value exactly on a bound one bucket high.
  return upperOf(index - 1) >= ms ? index - 1 : index;
}

function upperOf(index: number): number {
  return MIN_MS * 2 ** (index / SUB_BUCKETS);
}
