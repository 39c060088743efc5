// Device bundles must tree-shake. The target builds (targets/build.mjs, the
// same code `npm run build` runs) are held to targets/budgets.json: bytes,
// and no forbidden module or string; and each ES module target runs in a bare
// JavaScript context (no crypto, no timers, no TextEncoder) that watches
// which host globals it reads: a device bundle reads none. The other tests
// bundle single entry points to check what their import graph pulls in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Context, createContext, runInContext } from 'node:vm';
import * as esbuild from 'esbuild';
import { asScript } from '../simulator/engines/as-script.js';
import { budgetTable, buildTargets } from '../targets/build.mjs';

const root = new URL('..', import.meta.url).pathname;

interface Bundle {
  readonly code: string;
  /** Modules whose code is in the bundle. */
  readonly inputs: readonly string[];
}

async function bundle(options: { source: string }): Promise<Bundle> {
  const result = await esbuild.build({
    stdin: { contents: options.source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
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

const targets = await buildTargets();

test('every device target is within its budget in targets/budgets.json, and carries no forbidden module or string', () => {
  console.log(budgetTable(targets));
  assert.deepEqual(
    targets
      .filter((target) => target.breaches.length > 0)
      .map((target) => `${target.name}: ${target.breaches.join('; ')}`),
    [],
  );
  for (const target of targets.filter((t) => t.budget.platform !== 'node')) {
    assert.ok(
      target.inputs.some((input: string) => input.includes('src/envelope/telemetry')),
      `sanity: the ${target.name} bundle holds the telemetry profile`,
    );
  }
});

test('a budget breach names what leaked', async () => {
  const [quickjs] = await buildTargets({
    only: 'quickjs',
    override: { forbiddenModules: ['src/device/'], forbiddenStrings: ['telemetry'], minifiedBytes: 1000 },
  });
  assert.ok(quickjs !== undefined);
  assert.deepEqual(quickjs.breaches.slice(0, 1), [`${quickjs.minifiedBytes} B minified > 1000`]);
  assert.ok(quickjs.breaches.includes('module leaked in: src/device/device.ts'), quickjs.breaches.join('; '));
  assert.ok(quickjs.breaches.includes('string leaked in: "telemetry"'));
});

for (const target of targets.filter((t) => t.budget.platform !== 'node')) {
  test(`the ${target.name} bundle reads no host global while loading or sealing, in a bare context`, () => {
    const { context, reads } = bareContext();
    const engineTarget = target.name.startsWith('espruino')
      ? 'espruino'
      : target.name === 'moddable'
        ? 'moddable'
        : 'quickjs';
    runInContext(asScript(engineTarget, target.code), context);
    assert.deepEqual(reads(), [], `host globals read while loading: ${reads().join(', ')}`);
    // The MAC target hashes with the board's SHA-256; any 32 bytes serve to see which globals it reads.
    const create =
      {
        espruino: 'createEspruinoDevice',
        'espruino-mac': 'createEspruinoMacDevice',
      }[target.name] ?? 'createNobleDevice';
    const sealed = runInContext(
      `(() => {
        let drawn = 0;
        const flash = {};
        const device = xlink.${create}({
          key: { ed25519Seed: new Uint8Array(32).fill(9), macKey: new Uint8Array(32), kid: new Uint8Array(6), did: 'did:key:z6Mk' },
          sha256: () => new Uint8Array(32),
          random: (n) => { const out = new Uint8Array(n); for (let i = 0; i < n; i++) out[i] = drawn++ & 255; return out; },
          audience: 'acme-fleet',
          storage: { get: (k) => flash[k], set: (k, v) => { flash[k] = v; }, delete: (k) => { delete flash[k]; } },
          publish: () => {},
        });
        return device.telemetry(new Uint8Array([1, 2, 3])).length;
      })()`,
      context,
    );
    assert.ok(sealed > 32, 'sanity: it sealed a reading');
    assert.deepEqual(reads(), [], `host globals read while running: ${reads().join(', ')}`);
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
