// package.json is the public contract: every subpath export must name a real
// module, the noble packages are pinned exactly, and the bin is the CLI.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

test('every subpath export is built from a source module', () => {
  const required = ['.', './errors', './crypto/node', './crypto/webcrypto', './crypto/noble'];
  for (const subpath of required) assert.ok(manifest.exports[subpath], `missing export ${subpath}`);
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue; // ./package.json
    const { types, default: code } = target as { types: string; default: string };
    assert.equal(types, code.replace(/\.js$/, '.d.ts'), `${subpath}: types beside code`);
    const source = code.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(`${root}${source}`), `${subpath} → ${source} does not exist`);
  }
});

test('the package is ESM, side-effect free, Node >= 20.19, and pins @noble exactly', () => {
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.engines.node, '>=20.19');
  for (const [name, version] of Object.entries(manifest.dependencies as Record<string, string>)) {
    if (name.startsWith('@noble/')) assert.match(version, /^\d+\.\d+\.\d+$/, `${name} must be pinned exactly`);
  }
  assert.equal(manifest.bin.xlink, './dist/cli/main.js');
  assert.ok(existsSync(`${root}src/cli/main.ts`));
});
