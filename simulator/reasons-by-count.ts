/**
 * Counts by name, most first; equal counts by name (code-unit order, not the
 * locale's), so the summary, the CSV and the report list reasons in the same
 * order every run. `topReasons` keeps the first `max` and sums the rest into
 * one row: reasons are DLQ topic segments anyone who may publish under `dlq/`
 * invents, and a flood of them must not make the table or the page endless
 * (the JSON and CSV keep every one).
 *
 *   reasonsByCount({ b: 1, a: 1, c: 5 })  // [['c', 5], ['a', 1], ['b', 1]]
 *   topReasons(counts, 40)               // 40 rows, then ['(12 more reasons)', 31] if there were 52
 */
export function reasonsByCount(counts: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}

export const MAX_LISTED_REASONS = 40;

export function topReasons(counts: Readonly<Record<string, number>>, max = MAX_LISTED_REASONS): [string, number][] {
  const all = reasonsByCount(counts);
  if (all.length <= max) return all;
  const rest = all.slice(max);
  return [...all.slice(0, max), [`(${rest.length} more reasons)`, rest.reduce((sum, [, count]) => sum + count, 0)]];
}
