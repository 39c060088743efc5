/**
 * A linear axis from 0 to a round number at or above the data's maximum, with
 * its tick values: 0..37 becomes 0..40 by 10. A maximum of 0 (a run with no
 * messages) or one that is not finite gives 0..1, so a chart never divides by
 * zero.
 *
 *   const { top, ticks } = linearScale(37);   // top 40, ticks [0, 10, 20, 30, 40]
 *   const y = (value: number) => height - (value / top) * height;
 */
export interface LinearScale {
  readonly top: number;
  readonly ticks: readonly number[];
}

export function linearScale(max: number, targetTicks = 5): LinearScale {
  if (!Number.isFinite(max) || max <= 0) return { top: 1, ticks: [0, 1] };
  const rough = max / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const count = Math.ceil(max / step);
  // Whole steps: step * i, not a running sum, so 0.1 + 0.2 never shows as 0.30000000000000004.
  const ticks = Array.from({ length: count + 1 }, (_, i) => Number((step * i).toPrecision(12)));
  return { top: ticks[count] ?? max, ticks };
}
