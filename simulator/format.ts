/**
 * How the summary and the report print numbers, so both show the same figure
 * for the same field. A value that is not finite (a mean of no samples, say)
 * prints as `n/a` rather than `NaN` or `Infinity`.
 *
 *   formatMs(2.3456)  // '2.35'      formatCount(12000)  // '12000'
 *   formatRate(588.24)  // '588.2'   formatSeconds(20400)  // '20.4'
 */
const NOT_AVAILABLE = 'n/a';

export function formatCount(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value)) : NOT_AVAILABLE;
}

/** Milliseconds: two decimals below 10 ms, one below 1000, whole ms above. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return NOT_AVAILABLE;
  return value.toFixed(value < 10 ? 2 : value < 1000 ? 1 : 0);
}

export function formatRate(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : NOT_AVAILABLE;
}

export function formatSeconds(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(1) : NOT_AVAILABLE;
}
