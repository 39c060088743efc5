/**
 * Published test vectors, read from the sibling checkout `../shared/vectors`
 * (never copied into this repo), and a runner that tallies Wycheproof cases.
 *
 *   const groups = loadWycheproof<EddsaGroup>('ed25519_test');
 *   if (groups === undefined) reportNotRun('wycheproof ed25519');
 *   else test('…', () => runCases('wycheproof ed25519', backend.name, casesOf(groups), 151, async (c) => …));
 *
 * Where the folder is: `../shared/vectors` beside the repo root, unless the
 * environment variable XLINK_VECTORS_DIR names another folder (absolute, or
 * relative to the working directory). Point it at a missing folder to see how
 * the suites behave on a machine without `../shared`:
 *
 *   XLINK_VECTORS_DIR=/nonexistent node --import tsx --test test/crypto/wycheproof-*.test.ts
 *   XLINK_VECTORS_DIR=/nonexistent XLINK_REQUIRE_VECTORS=1 node --import tsx --test test/crypto/wycheproof-*.test.ts
 *
 * Limits: when the folder is absent the loaders return `undefined` and
 * `reportNotRun` registers the suite as skipped, or, with
 * XLINK_REQUIRE_VECTORS=1 (what .ci/run sets), as a test that fails naming
 * the missing folder: on CI a suite must run, not report that it did not.
 * When the folder is present, a missing file or one without test groups or
 * tests throws, and every suite states the least number of vectors it must
 * have run (`runCases`' `minimum`), so an emptied, cut or replaced file fails
 * instead of passing on less. Call `reportNotRun` at the top level of a test
 * file, never inside a running test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { bytesToHex } from '../../src/codec/bytes.js';

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment?: string;
  readonly flags?: readonly string[];
  readonly result: WycheproofResult;
}

export interface WycheproofGroup<T extends WycheproofTest = WycheproofTest> {
  readonly type: string;
  readonly tests: readonly T[];
}

/** The vectors folder: XLINK_VECTORS_DIR when set, else `../shared/vectors` beside the repo root. */
export function vectorsDir(): string {
  const override = process.env.XLINK_VECTORS_DIR;
  if (override !== undefined && override !== '') return resolve(override);
  // This file is test/helpers/vectors.ts: the repo root is two levels up.
  return fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));
}

/** Set by .ci/run: a suite whose vectors are missing fails instead of being skipped. */
export function vectorsRequired(): boolean {
  return process.env.XLINK_REQUIRE_VECTORS === '1';
}

/**
 * Registers `suite` as not run because the vectors folder is absent: a
 * skipped test, or with XLINK_REQUIRE_VECTORS=1 a failing one. A suite that
 * only printed this passed on machines without `../shared`, CI included.
 */
export function reportNotRun(suite: string): void {
  const reason = `the vectors folder ${vectorsDir()} does not exist (../shared/vectors, or XLINK_VECTORS_DIR)`;
  if (vectorsRequired()) {
    test(`${suite}: vectors required (XLINK_REQUIRE_VECTORS=1)`, () => {
      throw new Error(`${suite} cannot run: ${reason}`);
    });
  } else {
    test(suite, { skip: `not run: ${reason}` }, () => {});
  }
}

function readJson(relativePath: string): unknown {
  const dir = vectorsDir();
  if (!existsSync(dir)) return undefined;
  const file = join(dir, relativePath);
  if (!existsSync(file)) throw new Error(`${file} is missing although ${dir} exists`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The test groups of `wycheproof/<name>.json`, or `undefined` when the vectors
 * folder is absent. Throws when the file is missing, has no groups, a group
 * has no tests, or the header's numberOfTests disagrees with the count.
 */
export function loadWycheproof<G extends WycheproofGroup>(name: string): readonly G[] | undefined {
  const relativePath = join('wycheproof', name.endsWith('.json') ? name : `${name}.json`);
  const data = readJson(relativePath);
  if (data === undefined) return undefined;
  if (!isRecord(data) || !Array.isArray(data.testGroups) || data.testGroups.length === 0) {
    throw new Error(`${relativePath}: no test groups`);
  }
  let count = 0;
  for (const [index, group] of data.testGroups.entries()) {
    if (!isRecord(group) || !Array.isArray(group.tests) || group.tests.length === 0) {
      throw new Error(`${relativePath}: test group ${index} has no tests`);
    }
    count += group.tests.length;
  }
  if (typeof data.numberOfTests === 'number' && data.numberOfTests !== count) {
    throw new Error(`${relativePath}: header says ${data.numberOfTests} tests, the groups hold ${count}`);
  }
  return data.testGroups as G[];
}

/**
 * Any JSON file under the vectors folder, or `undefined` when the folder is
 * absent. Throws when the file is missing or holds nothing: null, an empty
 * object or array, or empty `testGroups` / `tests` lists.
 */
export function loadSharedJson(relativePath: string): unknown {
  const data = readJson(relativePath);
  if (data === undefined) return undefined;
  const empty =
    data === null ||
    (Array.isArray(data) && data.length === 0) ||
    (isRecord(data) &&
      (Object.keys(data).length === 0 ||
        (Array.isArray(data.testGroups) && data.testGroups.length === 0) ||
        (Array.isArray(data.tests) && data.tests.length === 0)));
  if (empty) throw new Error(`${relativePath} holds no vectors`);
  return data;
}

/** Every test of every group, each paired with its group. */
export function* casesOf<T extends WycheproofTest, G extends WycheproofGroup<T>>(
  groups: readonly G[],
): Generator<{ readonly group: G; readonly test: T }> {
  for (const group of groups) for (const test of group.tests) yield { group, test };
}

/**
 * What a backend did with a case: produced the expected output, refused it, or
 * refused it because xlink does not offer that parameter set or feature
 * (AES-128, truncated tags, non-empty ML-DSA contexts…), which is a refusal too.
 */
export type CaseOutcome = 'accepted' | 'rejected' | 'unsupported';

/**
 * Runs every case through `run` (which asserts), collects every failure with its
 * tcId so one report names them all, logs the tally and fails on any failure
 * or on fewer than `minimum` cases (the count the suite was written against:
 * lower it deliberately when a vectors update removes cases).
 */
export async function runCases<C extends { readonly test: WycheproofTest }>(
  suite: string,
  backendName: string,
  cases: Iterable<C>,
  minimum: number,
  run: (entry: C) => Promise<CaseOutcome>,
): Promise<void> {
  const tally = { accepted: 0, rejected: 0, unsupported: 0 };
  const failures: string[] = [];
  for (const entry of cases) {
    try {
      tally[await run(entry)]++;
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : inspect(error);
      failures.push(`tcId ${entry.test.tcId} (${entry.test.result}, ${entry.test.comment ?? ''}): ${message}`);
    }
  }
  const total = tally.accepted + tally.rejected + tally.unsupported + failures.length;
  const rejected = tally.rejected + tally.unsupported;
  const outside = tally.unsupported > 0 ? ` (${tally.unsupported} of them outside what xlink offers)` : '';
  const failed = failures.length > 0 ? `, ${failures.length} FAILED` : '';
  console.log(
    `${suite} [${backendName}]: ${total} cases: ${tally.accepted} accepted, ${rejected} rejected${outside}${failed}`,
  );
  if (failures.length > 0) {
    throw new Error(`${backendName} failed ${failures.length} ${suite} case(s):\n${failures.join('\n')}`);
  }
  if (total === 0 || total < minimum) {
    throw new Error(
      `${suite}: ${total} cases ran, fewer than the ${minimum} expected (file emptied, cut or replaced?)`,
    );
  }
}

/** Throws, naming the first differing byte, unless `actual` is exactly the bytes of `expectedHex`. */
export function expectBytes(actual: Uint8Array, expectedHex: string, what: string): void {
  const expected = expectedHex.toLowerCase();
  const actualHex = bytesToHex(actual);
  if (actualHex === expected) return;
  if (actualHex.length !== expected.length) {
    throw new Error(`${what}: got ${actual.length} bytes, expected ${expected.length / 2}`);
  }
  let index = 0;
  while (actualHex.slice(2 * index, 2 * index + 2) === expected.slice(2 * index, 2 * index + 2)) index++;
  throw new Error(`${what}: differs from the expected value at byte ${index} of ${actual.length}`);
}

/** Throws unless `actual === expected`, with both in the message. */
export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: got ${inspect(actual)}, expected ${inspect(expected)}`);
}
