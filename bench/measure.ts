/**
 * Timing and formatting helpers shared by every benchmark suite.
 *
 *   const stats = await compare({ node: () => a.sha256(data), noble: () => b.sha256(data) }, config);
 *   stats.noble.medianOpsPerSec / stats.node.medianOpsPerSec; // the ratio worth quoting
 *
 * Each contender is warmed up, then timed for a fixed wall-clock budget per
 * round. Rounds interleave the contenders and rotate who goes first, so load
 * from other tenants of a shared machine falls on all of them alike; the median
 * round is reported. Limits: one thread; an async operation is awaited before
 * the next starts, so its figure includes one promise round trip (~0.1 µs) and
 * says nothing about throughput under concurrency.
 */

/** How long to measure; `run.ts` builds it from flags and environment. */
export interface BenchConfig {
  /** Timed milliseconds per case, contender and round. */
  readonly budgetMs: number;
  /** Untimed milliseconds per case and contender before the first round. */
  readonly warmupMs: number;
  readonly rounds: number;
  /** Receives one line per finished case, for a progress display. */
  readonly progress?: (line: string) => void;
}

/** One benchmark suite: `run` returns the Markdown that goes into its BENCHMARKS.md section. */
export interface Suite {
  /** Names the section markers `<!-- bench:NAME:start -->` … `<!-- bench:NAME:end -->`. */
  readonly name: string;
  run(config: BenchConfig): Promise<string>;
}

/** The code under test; a returned promise is awaited before the next call. */
export type Operation = () => unknown;

export interface Sample {
  readonly ops: number;
  readonly ns: number;
}

export interface Stats {
  readonly medianOpsPerSec: number;
  /** Total time over total operations, all rounds. */
  readonly meanNsPerOp: number;
  readonly samples: readonly Sample[];
}

// Results are stored here so the optimiser cannot drop a call whose value is unused.
const sink: unknown[] = [undefined];

/**
 * Runs `op` back to back for about `budgetMs` (at least once) and returns the
 * count and the exact elapsed time. The clock is read once per batch; batches
 * double while they are short, so sub-microsecond operations are not measured
 * as clock reads, and overshoot stays within ~1/32 of the budget.
 */
export async function sample(op: Operation, budgetMs: number): Promise<Sample> {
  const budgetNs = BigInt(Math.round(budgetMs * 1e6));
  // Synchronous operations run without `await`, which would otherwise dominate their cost.
  const first = op();
  const isAsync = first instanceof Promise;
  sink[0] = isAsync ? await first : first;
  let ops = 0;
  let batch = 1;
  let elapsed = 0n;
  const start = process.hrtime.bigint();
  do {
    if (isAsync) for (let i = 0; i < batch; i++) sink[0] = await op();
    else for (let i = 0; i < batch; i++) sink[0] = op();
    ops += batch;
    elapsed = process.hrtime.bigint() - start;
    if (elapsed * 64n < budgetNs) batch *= 2;
  } while (elapsed < budgetNs);
  return { ops, ns: Number(elapsed) };
}

/** Warms every contender up, then times them over `config.rounds` interleaved rounds. */
export async function compare<K extends string>(
  contenders: Readonly<Record<K, Operation>>,
  config: BenchConfig,
): Promise<Record<K, Stats>> {
  const names = Object.keys(contenders) as K[];
  for (const name of names) await sample(contenders[name], config.warmupMs);
  const samples = new Map<K, Sample[]>(names.map((name) => [name, []]));
  for (let round = 0; round < config.rounds; round++) {
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) samples.get(name)?.push(await sample(contenders[name], config.budgetMs));
  }
  const stats = {} as Record<K, Stats>;
  for (const name of names) {
    const own = samples.get(name) ?? [];
    const ops = own.reduce((sum, s) => sum + s.ops, 0);
    const ns = own.reduce((sum, s) => sum + s.ns, 0);
    stats[name] = {
      medianOpsPerSec: median(own.map((s) => (s.ops * 1e9) / s.ns)),
      meanNsPerOp: ns / ops,
      samples: own,
    };
  }
  return stats;
}

/** (fastest − slowest round) / median round, in ops/s: how much the machine disturbed this measurement. */
export function roundSpread(stats: Stats): number {
  const rates = stats.samples.map((s) => (s.ops * 1e9) / s.ns);
  return (Math.max(...rates) - Math.min(...rates)) / stats.medianOpsPerSec;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `1,234,567` from 100 up, three significant digits below (`12.3`, `35.0`). */
export function formatOpsPerSec(opsPerSec: number): string {
  if (opsPerSec >= 100) return Math.round(opsPerSec).toLocaleString('en-US');
  return opsPerSec.toPrecision(3);
}

/** Three significant digits in the largest unit that keeps them at or above 1: `812 ns`, `1.00 ms`. */
export function formatDuration(ns: number): string {
  const units: [string, number][] = [
    ['s', 1e9],
    ['ms', 1e6],
    ['µs', 1e3],
  ];
  // Rounded before choosing, so 999.96 µs prints as `1.00 ms`, not `1.00e+3 µs`.
  for (const [unit, scale] of units)
    if (Number((ns / scale).toPrecision(3)) >= 1) return `${(ns / scale).toPrecision(3)} ${unit}`;
  return `${ns.toPrecision(3)} ns`;
}

/** `×0.85`, `×12.3`, `×0.042`: two decimals where they carry meaning, else two or three significant digits. */
export function formatRatio(ratio: number): string {
  if (ratio >= 10) return `×${Number(ratio.toPrecision(3))}`;
  if (ratio >= 0.1) return `×${ratio.toFixed(2)}`;
  return `×${Number(ratio.toPrecision(2))}`;
}

/**
 * A GitHub Markdown table, padded the way `biome format` lays Markdown out, so
 * a written section passes `biome ci`. `align` marks columns `'right'` (numbers)
 * or `'left'` (the default).
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
): string {
  const length = (text: string): number => [...text].length;
  const widths = header.map((title, i) => Math.max(3, length(title), ...rows.map((row) => length(row[i] ?? ''))));
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat((widths[i] as number) - length(text));
    return align[i] === 'right' ? fill + text : text + fill;
  };
  const line = (cells: readonly string[]): string => `| ${header.map((_, i) => pad(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = widths.map((width, i) => (align[i] === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}
