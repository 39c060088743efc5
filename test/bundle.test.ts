// Device bundles must tree-shake: these bundle real entry points with esbuild
// (as a firmware build would), hold them to the budgets of
// test/bundle-budgets.json, name whatever leaked in, and run the result in a
// bare JavaScript context (no crypto, no timers, no TextEncoder), watching
// which host globals it reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Context, createContext, runInContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { createNodeCrypto } from '../src/crypto/node/index.js';
import { decodeTelemetry, verifyTelemetry } from '../src/envelope/telemetry.js';
import { unwrap } from '../src/errors.js';
import { identityFromSeed, signingKeyFromSeed } from '../src/identity/derive.js';

const root = new URL('..', import.meta.url).pathname;

interface Budget {
  readonly entry: string;
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly forbiddenModules: readonly string[];
  readonly forbiddenStrings: readonly string[];
}

const budgets = JSON.parse(readFileSync(`${root}test/bundle-budgets.json`, 'utf8')) as Record<string, Budget | string>;

interface Bundle {
  readonly code: string;
  /** Modules whose code is in the bundle. */
  readonly inputs: readonly string[];
}

async function bundle(options: { entry?: string; source?: string; format?: 'esm' | 'iife' }): Promise<Bundle> {
  const result = await esbuild.build({
    ...(options.entry === undefined
      ? { stdin: { contents: options.source ?? '', resolveDir: root, loader: 'ts' } }
      : { entryPoints: [`${root}${options.entry}`] }),
    bundle: true,
    minify: true,
    write: false,
    format: options.format ?? 'esm',
    ...(options.format === 'iife' ? { globalName: 'device' } : {}),
    platform: 'neutral',
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
  // The modules that put code into the output: esbuild visits more (metafile.inputs), tree-shaking drops the rest.
  const used = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (bytesInOutput > 0) used.add(input);
  }
  return { code: result.outputFiles.map((file) => file.text).join('\n'), inputs: [...used] };
}

/** A board's parts, made inside the device's context (its Uint8Array is not this realm's). */
interface Board {
  readonly drawn: number;
  random(length: number): Uint8Array;
  storage(): unknown;
  bytes(list: readonly number[]): Uint8Array;
}

/** Boots a device bundle on `seed` and returns its send function; the bundles differ in what their key arrives as. */
type Boot = (
  device: Record<string, (...args: never[]) => unknown>,
  seed: Uint8Array,
  board: Board,
) => Promise<(payload: Uint8Array) => Promise<Uint8Array>>;

const crypto = createNodeCrypto();

const boots: Record<string, Boot> = {
  'sign-only': async (device, seed, board) => {
    // What provisioning hands a sensor that only signs: the Ed25519 seed and the kid derived from its factory seed.
    const identity = unwrap(await identityFromSeed(seed, { crypto }));
    const key = unwrap(await signingKeyFromSeed(seed, { crypto }));
    const boot = device.boot as (...args: unknown[]) => Promise<(payload: Uint8Array) => Promise<Uint8Array>>;
    const provisioned = { ed25519Seed: board.bytes([...identity.ed25519.secretKey]), kid: board.bytes([...key.kid]) };
    return boot(provisioned, (length: number) => board.random(length), board.storage());
  },
  'sign-only-from-seed': async (device, seed, board) => {
    const boot = device.boot as (...args: unknown[]) => Promise<(payload: Uint8Array) => Promise<Uint8Array>>;
    return boot(board.bytes([...seed]), (length: number) => board.random(length), board.storage());
  },
};

/**
 * A fresh context has the JavaScript builtins and nothing of Node or a browser.
 * Its global object's prototype becomes a proxy that notes every name looked up
 * there, that is every global the code reads that is not a builtin (`crypto`,
 * `TextEncoder`, `setTimeout`, …), whether bare or through `globalThis`.
 */
function bareContext(): { context: Context; reads: () => string[] } {
  const context = createContext({});
  runInContext(
    `(() => {
      const seen = new Set();
      const base = Object.getPrototypeOf(globalThis);
      const note = (key) => { if (typeof key === 'string' && !(key in base)) seen.add(key); };
      Object.setPrototypeOf(globalThis, new Proxy(base, {
        has(target, key) { note(key); return Reflect.has(target, key); },
        get(target, key, receiver) { note(key); return Reflect.get(target, key, receiver); },
      }));
      Object.defineProperty(globalThis, '__reads', { value: () => [...seen] });
    })()`,
    context,
  );
  return { context, reads: () => [...(runInContext('__reads()', context) as string[])] };
}

test('the bare context notices host globals, read bare or through globalThis, and not builtins', () => {
  const { context, reads } = bareContext();
  runInContext(
    '"use strict"; typeof crypto; globalThis.TextEncoder; new Uint8Array(1); Object.keys({}); var mine = 1; mine;',
    context,
  );
  assert.deepEqual(reads(), ['crypto', 'TextEncoder']);
});

for (const [name, budget] of Object.entries(budgets)) {
  if (typeof budget === 'string') continue;
  const boot = boots[name];

  test(`the ${name} device bundle stays within its budget and carries no code it does not use`, async () => {
    const { code, inputs } = await bundle({ entry: budget.entry });
    assert.ok(
      inputs.some((input) => input.includes('src/envelope/telemetry')),
      'sanity: the bundle holds the telemetry profile',
    );
    const leakedModules = inputs.filter((input) => budget.forbiddenModules.some((module) => input.includes(module)));
    assert.deepEqual(leakedModules, [], `modules that leaked into the ${name} bundle: ${leakedModules.join(', ')}`);
    const leakedStrings = budget.forbiddenStrings.filter((text) => code.includes(text));
    assert.deepEqual(leakedStrings, [], `strings that leaked into the ${name} bundle: ${leakedStrings.join(', ')}`);
    const minified = Buffer.byteLength(code);
    const gzip = gzipSync(code, { level: 9 }).length;
    console.log(
      `${name} bundle: ${minified} bytes minified (budget ${budget.minifiedBytes}), ${gzip} gzip (budget ${budget.gzipBytes})`,
    );
    assert.ok(
      minified <= budget.minifiedBytes,
      `${minified} bytes minified, over the budget of ${budget.minifiedBytes}`,
    );
    assert.ok(gzip <= budget.gzipBytes, `${gzip} bytes gzip, over the budget of ${budget.gzipBytes}`);
  });

  test(`the ${name} bundle runs in a bare context: it reads no host global, and a node gateway verifies what it seals`, async () => {
    assert.ok(boot !== undefined, `test/bundle.test.ts does not know how to boot the ${name} bundle`);
    const { code } = await bundle({ entry: budget.entry, format: 'iife' });
    const { context, reads } = bareContext();
    runInContext(`${code}\nglobalThis.device = device;`, context);
    assert.deepEqual(reads(), [], `host globals read while loading: ${reads().join(', ')}`);

    // The board's parts live in the device's realm, as they would on the board: its RNG, its flash, its bytes.
    const board = runInContext(
      `({
        drawn: 0,
        random(length) { const out = new Uint8Array(length); for (let i = 0; i < length; i++) out[i] = (this.drawn++ * 73) & 0xff; return out; },
        flash: new Map(),
        storage() { const flash = this.flash; return { get: (k) => flash.get(k), set: (k, v) => { flash.set(k, v.slice()); }, delete: (k) => { flash.delete(k); } }; },
        bytes: (list) => Uint8Array.from(list),
      })`,
      context,
    ) as Board;
    const seed = new Uint8Array(32).fill(9);
    const device = runInContext('device', context) as Record<string, (...args: never[]) => unknown>;
    const send = await boot(device, seed, board);
    const first = await send(board.bytes([1, 2, 3]));
    const second = await send(board.bytes([4]));
    assert.deepEqual(reads(), [], `host globals read while running: ${reads().join(', ')}`);
    assert.ok(board.drawn > 0, 'sanity: the signer blinds with the injected random source');

    const key = unwrap(await signingKeyFromSeed(seed, { crypto }));
    const verifier = await crypto.ed25519Verifier(key.signer.publicKey);
    for (const [bytes, expected] of [
      [first, 0],
      [second, 1],
    ] as const) {
      // The context's Uint8Array is another realm's: copy into this one, as a transport would.
      const decoded = decodeTelemetry(new Uint8Array(bytes));
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      assert.equal(decoded.value.header.counter, expected);
      assert.deepEqual(decoded.value.kid, key.kid);
      assert.ok((await verifyTelemetry(verifier, decoded.value, 'acme-fleet')).ok);
    }
  });
}

test('the verify-only path (openEnvelope) and the signed-only path (signEnvelope) carry no encryption code', async () => {
  const encryptionModules =
    /src\/envelope\/(seal|decrypt|key-schedule)\.ts|src\/crypto\/(node|webcrypto|noble)\/|@noble\/ciphers/;
  const open = await bundle({ source: `export { openEnvelope } from './src/envelope/open.ts';` });
  assert.ok(
    open.inputs.some((input) => input.endsWith('src/envelope/verify.ts')),
    'sanity: open verifies',
  );
  assert.deepEqual(
    open.inputs.filter((input) => encryptionModules.test(input)),
    [],
  );
  assert.doesNotMatch(open.code, /xlink envelope key schedule/);
  const sign = await bundle({ source: `export { signEnvelope } from './src/envelope/sign.ts';` });
  assert.ok(
    sign.inputs.some((input) => input.endsWith('src/envelope/header.ts')),
    'sanity: sign encodes headers',
  );
  assert.deepEqual(
    sign.inputs.filter((input) => encryptionModules.test(input)),
    [],
  );
  // A signing device never parses JSON envelopes or decodes COSE.
  assert.ok(!sign.inputs.some((input) => /src\/codec\/json\.ts|src\/envelope\/decode\.ts/.test(input)));
});

test('parsing a DID pulls in no crypto backend and no hints', async () => {
  const { inputs } = await bundle({ source: `export { parseDid } from './src/identity/did.ts';` });
  assert.ok(
    inputs.some((input) => input.includes('src/codec/base58')),
    'sanity: the bundle contains the DID codec',
  );
  const leaked = inputs.filter((input) =>
    /ml-kem|ml-dsa|src\/crypto\/(node|webcrypto|noble)\/|error-hints/.test(input),
  );
  assert.deepEqual(leaked, []);
});

test('the error catalogue bundles small without its hints; the hints are their own module', async () => {
  const { code, inputs } = await bundle({ source: `export { xlinkError } from './src/errors.ts';` });
  assert.ok(!inputs.some((input) => input.includes('error-hints')));
  assert.ok(code.length < 6_000, `errors bundle is ${code.length} bytes`);
  assert.doesNotMatch(code, /docs\/errors\.md says more|Register the DID first/);
});
