/**
 * Benchmark entry: runs the suites, prints each one's Markdown with the
 * machine it ran on, and with --write refreshes its section of BENCHMARKS.md.
 *
 *   npm run bench                       # every suite, about 3 minutes
 *   npm run bench -- --quick            # smoke run: 25 ms per case, one round
 *   npm run bench -- --write            # also rewrite the marked sections of BENCHMARKS.md
 *   npm run bench -- --suite crypto     # one suite only (repeatable)
 *
 * Environment (overrides the defaults, --quick included): XLINK_BENCH_BUDGET_MS
 * (timed ms per case, backend and round; 300), XLINK_BENCH_ROUNDS (5),
 * XLINK_BENCH_WARMUP_MS (100). A new suite is one entry in SUITES plus its
 * `<!-- bench:NAME:start -->` / `<!-- bench:NAME:end -->` markers in BENCHMARKS.md.
 * Limits: Node only; numbers from a shared machine are worth quoting as ratios.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { coreSuite } from './core.js';
import { cryptoSuite } from './crypto.js';
import { devicesSuite } from './devices.js';
import { enginesSuite } from './engines.js';
import type { BenchConfig, Suite } from './measure.js';
import { mqttSuite } from './mqtt.js';
import { protocolSuite } from './protocol.js';
import { provisionSuite } from './provision.js';
import { replaySuite } from './replay.js';
import { splitSuite } from './split.js';

export const SUITES: readonly Suite[] = [
  coreSuite,
  cryptoSuite,
  protocolSuite,
  replaySuite,
  mqttSuite,
  provisionSuite,
  splitSuite,
  devicesSuite,
  enginesSuite,
];

export interface Options {
  readonly config: BenchConfig;
  readonly write: boolean;
  readonly suites: readonly Suite[];
}

const DEFAULTS = { budgetMs: 300, rounds: 5, warmupMs: 100 };
const QUICK = { budgetMs: 25, rounds: 1, warmupMs: 10 };
const USAGE = 'usage: npm run bench -- [--quick] [--write] [--suite NAME]…';

function fromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new Error(`${name} expected an integer >= ${minimum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parseOptions(args: readonly string[], env: NodeJS.ProcessEnv): Options {
  let quick = false;
  let write = false;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--write') write = true;
    else if (arg === '--suite' && i + 1 < args.length) names.push(args[++i] as string);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  const unknown = names.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown suite ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const base = quick ? QUICK : DEFAULTS;
  return {
    config: {
      budgetMs: fromEnv(env, 'XLINK_BENCH_BUDGET_MS', base.budgetMs, 1),
      rounds: fromEnv(env, 'XLINK_BENCH_ROUNDS', base.rounds, 1),
      warmupMs: fromEnv(env, 'XLINK_BENCH_WARMUP_MS', base.warmupMs, 0),
      progress: (line) => process.stderr.write(`  ${line}\n`),
    },
    write,
    suites: names.length === 0 ? SUITES : SUITES.filter((suite) => names.includes(suite.name)),
  };
}

/** The line above every table: where, when and how long it was measured. */
export function describeRun(config: BenchConfig, date: Date): string {
  const cpu = cpus();
  return (
    `_Node ${process.version}, ${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} logical CPUs), ` +
    `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC; ${config.budgetMs} ms × ${config.rounds} ` +
    `round(s) per case and backend after ${config.warmupMs} ms warm-up, median ops/s, mean time/op._`
  );
}

/** Replaces what lies between the suite's markers; throws when they are missing or out of order. */
export function replaceSection(document: string, name: string, body: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from || document.indexOf(start, from + 1) >= 0 || document.indexOf(end, to + 1) >= 0) {
    throw new Error(
      `BENCHMARKS.md needs exactly one "${start}" followed by one "${end}"; add them where the section goes`,
    );
  }
  return `${document.slice(0, from + start.length)}\n${body}\n${document.slice(to)}`;
}

async function main(options: Options): Promise<void> {
  const file = new URL('../BENCHMARKS.md', import.meta.url);
  // Fail before minutes of measuring, not after, when a section has no markers.
  if (options.write) for (const suite of options.suites) replaceSection(readFileSync(file, 'utf8'), suite.name, '');
  for (const suite of options.suites) {
    process.stderr.write(`suite ${suite.name}\n`);
    const started = new Date();
    const body = `${describeRun(options.config, started)}\n\n${await suite.run(options.config)}`;
    process.stdout.write(`## ${suite.name}\n\n${body}\n\n`);
    if (options.write) {
      // Read afresh per suite, so a long run does not overwrite edits made meanwhile to other sections.
      writeFileSync(file, replaceSection(readFileSync(file, 'utf8'), suite.name, body));
      process.stderr.write(`updated the ${suite.name} section of BENCHMARKS.md\n`);
    }
  }
}

// Importable (the smoke test uses the helpers above) without starting a run.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let options: Options | undefined;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
  }
  if (options !== undefined) await main(options);
}
