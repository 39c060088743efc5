// The benchmark code itself runs and produces a complete table: correctness only,
// with a tiny budget, and no assertion about how fast anything is.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { CORE_CASES, coreSuite } from '../bench/core.js';
import { CRYPTO_OPERATIONS, cryptoSuite } from '../bench/crypto.js';
import { devicesSuite } from '../bench/devices.js';
import { enginesSuite } from '../bench/engines.js';
import { mqttSuite } from '../bench/mqtt.js';
import { PROTOCOL_ROWS, PROTOCOL_VERSIONS, protocolSuite } from '../bench/protocol.js';
import { provisionSuite } from '../bench/provision.js';
import { replaySuite } from '../bench/replay.js';
import { parseOptions, replaceSection } from '../bench/run.js';
import { mosquittoInstalled } from './helpers/mosquitto.js';

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

  it('covers the 18 operations of the brief, the per-envelope ephemeral agreement and the two strictness checks, each once', () => {
    assert.equal(CRYPTO_OPERATIONS.length, 21);
    assert.equal(new Set(CRYPTO_OPERATIONS).size, 21);
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

  it('states the cost of both strictness checks against every backend, and of preparing a key', () => {
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
      new RegExp(String.raw`^- Key preparation: .* in [\d.]+ \S+ .*, ${share} of the node backend's`, 'm'),
    );
  });
});

/** The cells of every table row in one Markdown block, header and rule included. */
function tableCells(block: string): string[][] {
  return block
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('protocol benchmark suite', () => {
  let blocks: string[] = [];
  const MS = /^\d+(\.\d+)?$/;

  it('runs every version and size on both backends with a 5 ms budget and one round', async () => {
    blocks = (await protocolSuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 })).split('\n\n');
    assert.deepEqual(tableCells(blocks[0] ?? '')[0], [
      'Version',
      'Payload',
      'node ms/roundtrip',
      'noble ms/roundtrip',
      'noble/node',
    ]);
  });

  it('prints one row per version and size, in order, with positive times and ratio', () => {
    const rows = tableCells(blocks[0] ?? '').slice(2);
    assert.deepEqual(
      rows.map((cells) => [cells[0], cells[1]]),
      PROTOCOL_ROWS.map(([version, size]) => [version, size]),
    );
    assert.equal(rows.length, 16);
    for (const [version, size, node = '', noble = '', ratio = ''] of rows) {
      assert.match(node, MS, `${version} ${size}`);
      assert.match(noble, MS, `${version} ${size}`);
      positive(node);
      positive(noble);
      positive((ratio.match(/^×(\d+(?:\.\d+)?)$/) ?? assert.fail(`"${ratio}" in ${version} ${size}`))[1] ?? '');
    }
  });

  it("holds v3, v2, v1 and signed-only against the white paper's roundtrip figures", () => {
    const rows = tableCells(blocks.find((block) => block.startsWith('| White paper row')) ?? '').slice(2);
    assert.deepEqual(
      rows.map((cells) => [cells[1], cells[2]]),
      [
        ['~29ms', 'v3'],
        ['~9ms', 'v2'],
        ['~9ms', 'v1'],
        ['~9ms', 'signed'],
        ['1.9ms', 'v1'],
      ],
    );
    const factor = String.raw`(\d+(\.\d+)?× (below|above)|\d+(\.\d+)?% (below|above))`;
    for (const cells of rows) {
      assert.match(cells[5] ?? '', new RegExp(`^node ${factor}, noble ${factor} the paper's figure\\. `));
    }
  });

  it('gives the envelope overhead of every version in both encodings, compact the smaller', () => {
    const rows = tableCells(blocks.find((block) => block.startsWith('| Version | JSON text')) ?? '').slice(2);
    assert.deepEqual(
      rows.map((cells) => cells[0]),
      PROTOCOL_VERSIONS,
    );
    const json = rows.map((cells) => positive(cells[1] ?? ''));
    const compact = rows.map((cells) => positive(cells[2] ?? ''));
    for (let i = 0; i < rows.length; i++) {
      assert.ok((json[i] as number) > (compact[i] as number), `${rows[i]?.[0]}: base64url makes JSON larger`);
    }
    // Each version adds fields to the previous one: an IV and ephemeral key, a KEM ciphertext, an ML-DSA signature.
    for (let i = 1; i < rows.length; i++) assert.ok((compact[i] as number) > (compact[i - 1] as number));
    assert.match(rows[1]?.[3] ?? '', /^~128 bytes/);
    assert.match(rows[3]?.[3] ?? '', /^~6,340 bytes/);
  });
});

describe('core benchmark suite', () => {
  let blocks: string[] = [];

  it('runs the gateway, sending and roundtrip cases with a 5 ms budget and one round', async () => {
    blocks = (await coreSuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 })).split('\n\n');
    assert.deepEqual(tableCells(blocks[0] ?? '')[0], ['Case', 'Measured', 'Goal', 'Verdict', 'Times']);
  });

  it('gives one row per 1.0 goal, in order, each a positive ratio with a verdict', () => {
    const rows = tableCells(blocks[0] ?? '').slice(2);
    assert.equal(rows.length, CORE_CASES.length);
    rows.forEach((cells, i) => {
      assert.ok(cells[0]?.startsWith(CORE_CASES[i] as string), `row ${i}: ${cells[0]}`);
      positive((cells[1]?.match(/^×(\d+\.\d+)$/) ?? assert.fail(`"${cells[1]}"`))[1] ?? '');
      assert.match(cells[3] ?? '', /^(holds|\*\*misses\*\*)$/);
    });
  });

  it('breaks the telemetry overhead down field by field: 88, 94, 99 and 106 bytes', () => {
    const rows = tableCells(blocks.find((block) => block.startsWith('| Field')) ?? '').slice(2);
    const total = rows.find((cells) => cells[0] === '**total overhead**');
    assert.deepEqual(total?.slice(1), ['**88**', '**94**', '**99**', '**106**']);
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
    assert.throws(() => parseOptions(['--suite', 'nope'], {}), /unknown suite nope; known: core, crypto/);
  });
});

describe('replay benchmark suite', () => {
  it('times every store with a 5 ms budget, each row positive, and holds the memory store against <0.1 ms', async () => {
    const markdown = await replaySuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 });
    const [timing = '', ...blocks] = markdown.split('\n\n');
    const rows = tableCells(timing).slice(2);
    const operations = rows.map((cells) => cells[0] ?? '');
    for (const store of ['Counter window alone', 'MemoryNonceStore', 'FileNonceStore']) {
      assert.ok(
        operations.some((operation) => operation.startsWith(store)),
        `${store} row missing`,
      );
    }
    for (const cells of rows) positive((cells[1] ?? '').replaceAll(',', ''));
    assert.match(markdown, /"Nonce check \(memory\) <0\.1ms".*: (holds|does not hold)\./);
    // Memory per entry, measured; how it compares with the goals is for the full run to say.
    const memory = tableCells(blocks.find((block) => block.startsWith('| Memory')) ?? '').slice(2);
    assert.deepEqual(
      memory.map((cells) => cells[0]?.split(',')[0]),
      ['Nonce', 'Nonce', 'Nonce', 'Counter window (64 bits)'],
    );
    for (const cells of memory) positive(cells[2] ?? '');
    assert.match(markdown, /Default capacity: 720,000 nonces/);
  });
});

describe('mqtt benchmark suite', () => {
  it('runs every case through a real Mosquitto with a tiny budget, or says it did not run', {
    timeout: 60_000,
  }, async () => {
    const markdown = await mqttSuite.run({ budgetMs: 25, warmupMs: 0, rounds: 1 });
    if (!mosquittoInstalled() && process.env.XLINK_REQUIRE_MOSQUITTO !== '1') {
      assert.match(markdown, /Not run: mosquitto is not installed/);
      return;
    }
    const rows = markdown.split('\n').filter((line) => /^\| (plain|MqttTransport|every|Mosquitto default)/.test(line));
    assert.equal(rows.length, 8, markdown);
    for (const row of rows) {
      const cells = row.split('|').map((cell) => cell.trim());
      positive(cells.at(-3) as string);
      positive(cells.at(-2) as string);
    }
  });
});

describe('provision benchmark suite', () => {
  it('provisions a small batch in the batch thread and in derivation threads, and shows every share of the time', async () => {
    const markdown = await provisionSuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 });
    const rows = markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Batch'));
    const threads = String(availableParallelism());
    assert.deepEqual(
      rows.map((row) =>
        row
          .split('|')
          .slice(1, 3)
          .map((cell) => cell.trim()),
      ),
      [
        ['raw .bin artifacts', 'none (batch thread)'],
        ['raw .bin artifacts', threads],
        ['sealed to a burn station', threads],
      ],
    );
    for (const row of rows) {
      const cells = row.split('|').map((cell) => cell.trim());
      assert.equal(cells[3], '200');
      positive(cells[4] as string);
      for (const cell of cells.slice(5, 7)) assert.match(cell, /^\d+\.\d\d ms$/);
      for (const cell of cells.slice(7, 11)) assert.match(cell, /^\d+ %$/);
    }
    assert.match(markdown, /load average \d+\.\d on \d+ logical CPUs/);
  });
});

describe('devices benchmark suite', () => {
  it('runs on every engine with one round of one and produces every table', async () => {
    const markdown = await devicesSuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 });
    for (const heading of ['| Target |', '| Engine |', '| Window W |', 'setMemoryLimit']) {
      assert.ok(markdown.includes(heading), `missing ${heading}`);
    }
    assert.match(markdown, /\| QuickJS \(quickjs-emscripten 0\.32\) \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ \| 102 \|/);
  });
});

describe('engines benchmark suite', () => {
  it('boots, times and sizes an XS and a QuickJS session', async () => {
    const markdown = await enginesSuite.run({ budgetMs: 5, warmupMs: 0, rounds: 1 });
    for (const runtime of ['Moddable XS', 'QuickJS']) {
      const row =
        markdown.split('\n').find((line) => line.startsWith(`| ${runtime}`)) ?? assert.fail(`no ${runtime} row`);
      const cells = row.split('|').map((cell) => cell.trim());
      positive((/^([\d,]+) ms$/.exec(cells[2] ?? '') ?? assert.fail(row))[1] ?? '');
      for (const cell of cells.slice(3, 6)) positive((/^([\d,.]+)/.exec(cell) ?? assert.fail(row))[1] ?? '');
    }
    assert.match(markdown, /MiB RSS per xsnap worker/);
    assert.match(markdown, /KiB memory_used_size per runtime/);
  });
});
