// Device bundles must tree-shake: these bundle real entry points with esbuild
// (as a firmware build would) and check what leaked in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

async function bundle(source: string): Promise<{ code: string; inputs: string[] }> {
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    treeShaking: true,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles.map((file) => file.text).join('\n');
  return { code, inputs: Object.keys(result.metafile.inputs) };
}

test('a device bundle (noble backend + seed identity) has no Node built-ins and no Web Crypto', async () => {
  const { code, inputs } = await bundle(`
    import { createNobleCrypto } from './src/crypto/noble/index.ts';
    import { identityFromSeed } from './src/identity/derive.ts';
    export const make = (seed, randomBytes) => identityFromSeed(seed, { crypto: createNobleCrypto({ randomBytes }) });
  `);
  assert.ok(!inputs.some((input) => input.includes('src/crypto/node/')), 'node backend leaked in');
  assert.ok(!inputs.some((input) => input.includes('src/crypto/webcrypto/')), 'webcrypto backend leaked in');
  assert.doesNotMatch(code, /from\s*["']node:|require\(["']node:/);
  assert.doesNotMatch(code, /\bsubtle\b/);
});

test('parsing a DID pulls in no post-quantum code and no backend', async () => {
  const { inputs } = await bundle(`export { parseDid } from './src/identity/did.ts';`);
  assert.ok(
    inputs.some((input) => input.includes('src/codec/base58')),
    'sanity: the bundle contains the DID codec',
  );
  const leaked = inputs.filter((input) => /post-quantum|src\/crypto\/(node|webcrypto|noble)\//.test(input));
  assert.deepEqual(leaked, []);
});

test('the error catalogue alone bundles to a few kilobytes', async () => {
  const { code } = await bundle(`export { xlinkError } from './src/errors.ts';`);
  assert.ok(code.length < 16_000, `errors bundle is ${code.length} bytes`);
});

test('the verify-only path (openEnvelope) and the sign-only path (createSignedEnvelope) carry no encryption code', async () => {
  const encryptionModules = /src\/envelope\/(seal|decrypt|key-schedule)\.ts|src\/crypto\/(node|webcrypto|noble)\//;
  const open = await bundle(`export { openEnvelope } from './src/envelope/open.ts';`);
  assert.ok(
    open.inputs.some((input) => input.endsWith('src/envelope/verify.ts')),
    'sanity: open verifies',
  );
  assert.deepEqual(
    open.inputs.filter((input) => encryptionModules.test(input)),
    [],
  );
  assert.doesNotMatch(open.code, /xlink envelope key schedule/);
  const sign = await bundle(`export { createSignedEnvelope } from './src/envelope/sign.ts';`);
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

test('a device that signs telemetry with the noble backend bundles without Node built-ins or Web Crypto', async () => {
  const { code, inputs } = await bundle(`
    import { createNobleCrypto } from './src/crypto/noble/index.ts';
    import { envelopeToCompact } from './src/envelope/compact-encoding.ts';
    import { createSignedEnvelope } from './src/envelope/sign.ts';
    export async function reading(input, randomBytes) {
      const created = await createSignedEnvelope({ ...input, crypto: createNobleCrypto({ randomBytes }) });
      return created.ok ? envelopeToCompact(created.value) : created.error;
    }
  `);
  assert.ok(!inputs.some((input) => /src\/crypto\/(node|webcrypto)\//.test(input)));
  assert.doesNotMatch(code, /from\s*["']node:|require\(["']node:/);
  assert.doesNotMatch(code, /\bsubtle\b/);
});
