/**
 * Device targets on their real engines (`npm run bench:devices`): bundle
 * bytes, time per telemetry message against a bare Ed25519 signature in the
 * same engine (paired round by round inside the engine), memory as each
 * engine reports it, envelope bytes, noble's base-point window as a
 * time/memory dial on QuickJS, the smallest QuickJS memory limit that seals
 * ten readings, and tweetnacl beside stablelib on Duktape.
 *
 * Engines time themselves with Date.now() over batches (ms resolution), so
 * the ratios are the figures to quote; the shared 2-core machine makes the
 * absolute milliseconds noisy. Limits: Duktape reports no heap figure; XS
 * (xsnap) reports heap slots, not bytes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { buildTargets, bundleTarget } from '../targets/build.mjs';
import { type Engine, engines } from '../test/devices/engines.js';
import type { BenchConfig, Suite } from './measure.js';

const KEY = {
  ed25519Seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  kid: '010203040506',
};
const PAYLOAD = '00112233445566778899aabbccddeeff'; // a 16-byte reading
/** The telemetry Sig_structure for that payload: what the bare signature signs, so both hash the same length. */
const SIG_STRUCTURE_BYTES = 50;

/** ES5 body: `rounds` rounds of `batch` bare signatures then `batch` messages; medians in ms per operation. */
function pairedBody(create: string, bare: string, rounds: number, batch: number): string {
  return `
    var state = { drawn: 0 }; var flash = {}; var last;
    var device = ${create};
    var bare = ${bare};
    var message = new Uint8Array(${SIG_STRUCTURE_BYTES}); var payload = unhex('${PAYLOAD}');
    bare(message); device.telemetry(payload);
    var signs = [], messages = [];
    function time(run) { var t0 = Date.now(); for (var i = 0; i < ${batch}; i++) run(); return (Date.now() - t0) / ${batch}; }
    function signOnce() { bare(message); }
    function sealOnce() { last = device.telemetry(payload); }
    for (var r = 0; r < ${rounds}; r++) {
      // Alternate the order each round, so neither side always runs first (warm caches, a pending collection).
      if (r % 2 === 0) { signs.push(time(signOnce)); messages.push(time(sealOnce)); }
      else { messages.push(time(sealOnce)); signs.push(time(signOnce)); }
    }
    function median(list) { var s = list.slice().sort(function (a, b) { return a - b; }); return s[s.length >> 1]; }
    var ratios = []; for (var k = 0; k < signs.length; k++) ratios.push(messages[k] / signs[k]);
    return { sign: median(signs), message: median(messages), ratio: median(ratios), envelope: last.length };`;
}

function nobleDevice(window: number): string {
  return `xlink.createNobleDevice({ key: { ed25519Seed: unhex('${KEY.ed25519Seed}'), kid: unhex('${KEY.kid}') },
      random: countingRandom(state), audience: 'acme-fleet', storage: flashStorage(flash), publish: function () {},
      baseWindow: ${window} })`;
}

const NOBLE_BARE = (window: number) =>
  `(function () { var s = xlink.nobleEd25519Signing(countingRandom(state), { baseWindow: ${window} }).ed25519Signer(unhex('${KEY.ed25519Seed}')); return function (m) { return s.sign(m); }; })()`;
const STABLELIB_DEVICE = `xlink.createEspruinoDevice({ key: { ed25519Seed: unhex('${KEY.ed25519Seed}'), kid: unhex('${KEY.kid}') },
      audience: 'acme-fleet', storage: flashStorage(flash), publish: function () {} })`;
const STABLELIB_BARE = `(function () { var k = xlink.generateKeyPairFromSeed(unhex('${KEY.ed25519Seed}')).secretKey; return function (m) { return xlink.sign(k, m); }; })()`;

/** Ten readings, then return: the engine's memory figure is taken after the run. */
function tenMessages(window: number): string {
  return `var state = { drawn: 0 }; var flash = {}; var device = ${nobleDevice(window)};
    for (var i = 0; i < 10; i++) device.telemetry(unhex('${PAYLOAD}'));
    return true;`;
}

function engine(name: Engine['name']): Engine {
  const found = engines.find((e) => e.name === name);
  if (found === undefined) throw new Error(`no engine ${name}`);
  return found;
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

async function benchBundle(entry: string, syntax: string): Promise<string> {
  return (
    await bundleTarget({
      entry,
      syntax,
      output: '',
      minifiedBytes: 0,
      gzipBytes: 0,
      forbiddenModules: [],
      forbiddenStrings: [],
    })
  ).code;
}

export const devicesSuite: Suite = {
  name: 'devices',
  async run(config: BenchConfig): Promise<string> {
    const quick = config.budgetMs < 100;
    const rounds = quick ? 1 : 7;
    const batch = quick ? 1 : 5;
    /** Duktape signs in hundreds of milliseconds: fewer per batch, as many rounds. */
    const dukBatch = quick ? 1 : 2;
    const lines: string[] = [];
    const targets = await buildTargets();
    lines.push('Bundles as shipped (`npm run build`), against targets/budgets.json:', '');
    lines.push('| Target | Minified | Budget | Gzip | Budget | Goal |', '|---|---:|---:|---:|---:|---|');
    const goals: Record<string, string> = {
      moddable: '≤ 45,000 / 18,000',
      quickjs: '≤ 45,000 / 18,000',
      espruino: '≤ 24,000 / 9,000',
      node: '—',
    };
    for (const t of targets) {
      lines.push(
        `| ${t.name} | ${t.minifiedBytes.toLocaleString('en')} | ${t.budget.minifiedBytes.toLocaleString('en')} | ${t.gzipBytes.toLocaleString('en')} | ${t.budget.gzipBytes.toLocaleString('en')} | ${goals[t.name] ?? ''} |`,
      );
    }

    const noble = await benchBundle('bench/devices/noble-entry.ts', 'es2021');
    const stablelib = await benchBundle('bench/devices/stablelib-entry.ts', 'es5');
    const window = 1;
    const rows: string[] = [];
    config.progress?.('devices: xs');
    const xs = (await engine('xs').run(noble, pairedBody(nobleDevice(window), NOBLE_BARE(window), rounds, batch)))
      .value as Paired;
    const xsMemory = await engine('xs').run(noble, tenMessages(window));
    rows.push(row('Moddable XS (xsnap 0.15)', xs, `${xsMemory.memory.toLocaleString('en')} heap slots after 10`));
    config.progress?.('devices: quickjs');
    const qjs = (await engine('quickjs').run(noble, pairedBody(nobleDevice(window), NOBLE_BARE(window), rounds, batch)))
      .value as Paired;
    const qjsEmpty = await engine('quickjs').run('export{};', 'return true;');
    const qjsLoaded = await engine('quickjs').run(noble, 'return true;');
    const qjsTen = await engine('quickjs').run(noble, tenMessages(window));
    rows.push(
      row(
        'QuickJS (quickjs-emscripten 0.32)',
        qjs,
        `${kib(qjsTen.memory)} after 10 (${kib(qjsLoaded.memory)} after load; an empty context is ${kib(qjsEmpty.memory)})`,
      ),
    );
    const duk = engine('duktape');
    let dukPaired: Paired | undefined;
    if (duk.unavailable() === undefined) {
      config.progress?.('devices: duktape');
      dukPaired = (await duk.run(stablelib, pairedBody(STABLELIB_DEVICE, STABLELIB_BARE, rounds, batch)))
        .value as Paired;
      rows.push(row('Duktape 2.7 (ES5 bundle; bare = @stablelib/ed25519 sign)', dukPaired, 'not reported'));
    }
    lines.push(
      '',
      `Time per telemetry message (16-byte payload) against a bare Ed25519 signature of the same length in the same engine, medians of ${rounds} paired rounds of ${batch} (Duktape: ${dukBatch}); noble's base window ${window}:`,
      '',
    );
    lines.push(
      '| Engine | Bare signature | Telemetry message | Message / signature (goal ≤ 1.15; ES5 ≤ 1.1) | Envelope bytes | Memory |',
      '|---|---:|---:|---:|---:|---|',
    );
    lines.push(...rows);
    lines.push(
      '',
      'For reference, C on the chips: Ed25519 sign 16–27 ms on an ESP32 at 240 MHz (wolfSSL); keygen + sign + verify 73 ms on an nRF52840 (Monocypher). The engines above run on this x86 host, not on the chips: no board is measured here (docs/devices.md).',
    );

    config.progress?.('devices: quickjs windows');
    lines.push(
      '',
      "noble's base-point window on QuickJS (time per message, and `memory_used_size` after ten messages; goal ≤ 160 KiB):",
      '',
    );
    lines.push('| Window W | Message | Memory after 10 |', '|---:|---:|---:|');
    for (const w of quick ? [1, 6] : [1, 2, 3, 4, 6]) {
      const paired = (await engine('quickjs').run(noble, pairedBody(nobleDevice(w), NOBLE_BARE(w), rounds, batch)))
        .value as Paired;
      const ten = await engine('quickjs').run(noble, tenMessages(w));
      lines.push(`| ${w}${w === window ? ' (chosen)' : ''} | ${ms(paired.message)} ms | ${kib(ten.memory)} |`);
    }
    config.progress?.('devices: quickjs memory limit');
    const limit = await smallestLimit(noble, window);
    lines.push(
      '',
      `Smallest QuickJS \`setMemoryLimit\` that seals ten readings (W = ${window}): ${kib(limit)} (it counts allocations, not bytes, in this build; the figure above is the one to size a heap by).`,
    );

    if (duk.unavailable() === undefined) {
      config.progress?.('devices: tweetnacl');
      const require = createRequire(import.meta.url);
      lines.push(
        '',
        'No-BigInt Ed25519 libraries on Duktape 2.7, each paired with @stablelib/ed25519 in the same run (ES5, minified):',
        '',
      );
      lines.push('| Library | Minified bytes | Sign | × stablelib in the same run |', '|---|---:|---:|---:|');
      for (const [name, file] of [
        ['tweetnacl 1.0.3 nacl-fast.min.js (one file: box, secretbox, sign)', 'tweetnacl/nacl-fast.min.js'],
        ['tweetnacl 1.0.3 nacl.min.js (the small, slow variant)', 'tweetnacl/nacl.min.js'],
      ] as const) {
        const nacl = readFileSync(require.resolve(file), 'utf8');
        // Loaded as Duktape runs the ES5 bundle (inside a module function); no require, so no PRNG probe: signing needs none.
        const libraries = { nacl: `var require; var self = {}; ${nacl};\nexports.nacl = self.nacl;` };
        const body = `
          var kp = nacl.nacl.sign.keyPair.fromSeed(unhex('${KEY.ed25519Seed}')); var m = new Uint8Array(${SIG_STRUCTURE_BYTES});
          var k = xlink.generateKeyPairFromSeed(unhex('${KEY.ed25519Seed}')).secretKey;
          function time(run) { var t0 = Date.now(); for (var i = 0; i < ${dukBatch}; i++) run(); return (Date.now() - t0) / ${dukBatch}; }
          var ours = [], theirs = [];
          for (var r = 0; r < ${rounds}; r++) {
            if (r % 2 === 0) { theirs.push(time(function () { nacl.nacl.sign.detached(m, kp.secretKey); })); ours.push(time(function () { xlink.sign(k, m); })); }
            else { ours.push(time(function () { xlink.sign(k, m); })); theirs.push(time(function () { nacl.nacl.sign.detached(m, kp.secretKey); })); }
          }
          function median(list) { var s = list.slice().sort(function (a, b) { return a - b; }); return s[s.length >> 1]; }
          var ratios = []; for (var j = 0; j < ours.length; j++) ratios.push(theirs[j] / ours[j]);
          return { theirs: median(theirs), ratio: median(ratios) };`;
        const result = (await duk.run(stablelib, body, { libraries })).value as { theirs: number; ratio: number };
        lines.push(
          `| ${name} | ${nacl.length.toLocaleString('en')} | ${ms(result.theirs)} ms | ${result.ratio.toFixed(2)} |`,
        );
      }
      const alone = await benchBundle('bench/devices/stablelib-alone.ts', 'es5');
      lines.push(
        `| @stablelib/ed25519 2.1.0 (the device bundle's) | ${alone.length.toLocaleString('en')} alone (${gzipSync(alone, { level: 9 }).length.toLocaleString('en')} gzip) | ${ms(dukPaired?.sign ?? Number.NaN)} ms | 1 |`,
      );
    }
    lines.push('', 'Reproduce: `npm run bench:devices` (`-- --write` refreshes this section).');
    return lines.join('\n');
  },
};

interface Paired {
  readonly sign: number;
  readonly message: number;
  readonly ratio: number;
  readonly envelope: number;
}

function row(name: string, paired: Paired, memory: string): string {
  return `| ${name} | ${ms(paired.sign)} ms | ${ms(paired.message)} ms | ${paired.ratio.toFixed(2)} | ${paired.envelope} | ${memory} |`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

/** Binary search, to 8 KiB, for the least limit under which ten readings seal. */
async function smallestLimit(noble: string, window: number): Promise<number> {
  let low = 16 * 1024;
  let high = 4 * 1024 * 1024;
  while (high - low > 8 * 1024) {
    const middle = Math.floor((low + high) / 2);
    const works = await engine('quickjs')
      .run(noble, tenMessages(window), { memoryLimit: middle })
      .then(
        () => true,
        () => false,
      );
    if (works) high = middle;
    else low = middle;
  }
  return high;
}
