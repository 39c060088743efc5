/**
 * Counts by name, most first; equal counts by name (code-unit order, not the
 * locale's), so the summary, the CSV and the report list reasons in the same
 * order every run.
 *
 *   reasonsByCount({ b: 1, a: 1, c: 5 })  // [['c', 5], ['a', 1], ['b', 1]]
 */
export function reasonsByCount(counts: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}
