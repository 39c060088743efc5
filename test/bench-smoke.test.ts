// The benchmark code itself runs and produces a complete table: correctness only,
// with a tiny budget, and no assertion about how fast anything is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CRYPTO_OPERATIONS, cryptoSuite } from '../bench/crypto.js';
import { parseOptions, replaceSection } from '../bench/run.js';

const OPS = /^\d[\d,]*(\.\d+)?$/;
const OPS_WITH_RATIO = /^(\d[\d,]*(?:\.\d+)?) \(×(\d+(?:\.\d+)?)\)$/;
const DURATION = /^(\d+(?:\.\d+)?) (ns|µs|ms|s)$/;

function positive(text: string): number {
  const value = Number(text.replaceAll(',', ''));
  assert.ok(value > 0, `expected a positive number, got "${text}"`);
  return value;
}

describe('crypto benchmark suite', () => {
  let markdown = '';

  it('runs every case on every backend with a 5 ms budget and one round', async () => {
    markdown = await cryptoSuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 });
    const header = markdown
      .split('\n')[0]
      ?.split('|')
      .map((cell) => cell.trim());
    assert.deepEqual(header, [
      '',
      'Operation',
      'node ops/s',
      'webcrypto ops/s (×node)',
      'noble ops/s (×node)',
      'node time/op',
      '',
    ]);
  });

  it('covers the 18 operations of the brief and the two strictness checks, each once', () => {
    assert.equal(CRYPTO_OPERATIONS.length, 20);
    assert.equal(new Set(CRYPTO_OPERATIONS).size, 20);
  });

  it('prints one row per operation with positive ops/s, ratios and time per op', () => {
    // The main table is the first block; the white-paper table below it repeats some names.
    const rows = (markdown.split('\n\n')[0] ?? '')
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .map((line) =>
        line
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim()),
      );
    for (const operation of CRYPTO_OPERATIONS) {
      const matching = rows.filter((cells) => cells[0] === operation);
      assert.equal(matching.length, 1, `one row for "${operation}"`);
      const [, node, webcrypto, noble, time] = matching[0] as string[];
      assert.match(node ?? '', OPS, operation);
      positive(node ?? '');
      for (const other of [webcrypto ?? '', noble ?? '']) {
        if (other === 'same code') continue;
        const [, ops = '', ratio = ''] = other.match(OPS_WITH_RATIO) ?? assert.fail(`"${other}" in "${operation}"`);
        positive(ops);
        positive(ratio);
      }
      const [, amount = ''] = (time ?? '').match(DURATION) ?? assert.fail(`"${time}" in "${operation}"`);
      positive(amount);
    }
  });

  it('states the noise floor from the rows that run identical code', () => {
    assert.match(
      markdown,
      /^Noise floor of this run: .* range from ×[\d.]+ to ×[\d.]+\. Read smaller differences as ties\.$/m,
    );
  });

  it('states the cost of both strictness checks against every backend, and of the per-call key import', () => {
    const share = String.raw`\d+(?:\.\d+)?%`;
    const shares = `${share} of node's, ${share} of webcrypto's and ${share} of noble's`;
    assert.match(
      markdown,
      new RegExp(String.raw`^- Ed25519 pre-checks .*: [\d.]+ \S+ per call, ${shares} Ed25519 verify\.$`, 'm'),
    );
    assert.match(
      markdown,
      new RegExp(String.raw`^- X25519 on-curve check .*: [\d.]+ \S+ per call, ${shares} X25519 shared secret\.$`, 'm'),
    );
    assert.match(
      markdown,
      new RegExp(String.raw`^- Per-call key import: .* in [\d.]+ \S+ .*, ${share} of the node backend's`, 'm'),
    );
  });
});

describe('bench/run.ts', () => {
  const document =
    'intro\n<!-- bench:crypto:start -->\nold\n<!-- bench:crypto:end -->\n<!-- bench:envelope:start -->\nkeep\n<!-- bench:envelope:end -->\n';

  it('replaces only the named section', () => {
    assert.equal(
      replaceSection(document, 'crypto', 'new table'),
      'intro\n<!-- bench:crypto:start -->\nnew table\n<!-- bench:crypto:end -->\n<!-- bench:envelope:start -->\nkeep\n<!-- bench:envelope:end -->\n',
    );
  });

  it('refuses a document without the markers, with them reversed, or with them twice', () => {
    for (const bad of [
      'intro\n',
      '<!-- bench:crypto:end -->\n<!-- bench:crypto:start -->\n',
      `${document}<!-- bench:crypto:start -->\n`,
    ]) {
      assert.throws(() => replaceSection(bad, 'crypto', 'x'), /needs exactly one "<!-- bench:crypto:start -->"/);
    }
  });

  it('takes the budget from --quick and the environment, and rejects what it does not know', () => {
    assert.deepEqual(
      { ...parseOptions(['--quick'], {}).config, progress: undefined },
      { budgetMs: 25, rounds: 1, warmupMs: 10, progress: undefined },
    );
    const tuned = parseOptions(['--write'], { XLINK_BENCH_BUDGET_MS: '40', XLINK_BENCH_ROUNDS: '3' });
    assert.equal(tuned.write, true);
    assert.deepEqual([tuned.config.budgetMs, tuned.config.rounds, tuned.config.warmupMs], [40, 3, 100]);
    assert.throws(
      () => parseOptions([], { XLINK_BENCH_ROUNDS: '0' }),
      /XLINK_BENCH_ROUNDS expected an integer >= 1, got "0"/,
    );
    assert.throws(() => parseOptions(['--fast'], {}), /unknown argument "--fast"/);
    assert.throws(() => parseOptions(['--suite', 'nope'], {}), /unknown suite nope; known: crypto/);
  });
});
