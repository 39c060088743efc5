/**
 * The per-second progress line on stderr, in the manner of emqtt-bench:
 *
 *   12s total=24000 rate=2000/s verified=23950 rejected=240
 *
 * `total` counts everything sent (valid readings and faults), `rate` the
 * sends since the previous line per second, `verified` and `rejected` what
 * the gateway's outputs showed so far.
 */
export interface ProgressCounts {
  readonly total: number;
  readonly rate: number;
  readonly verified: number;
  readonly rejected: number;
}

export function progressLine(elapsedMs: number, counts: ProgressCounts): string {
  return `${Math.round(elapsedMs / 1000)}s total=${counts.total} rate=${Math.round(counts.rate)}/s verified=${counts.verified} rejected=${counts.rejected}`;
}
