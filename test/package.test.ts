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
    for (const { types, default: code } of conditionTargets(target as ExportTarget)) {
      assert.equal(types, code.replace(/\.js$/, '.d.ts'), `${subpath}: types beside code`);
      const source = code.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      assert.ok(existsSync(`${root}${source}`), `${subpath} → ${source} does not exist`);
    }
  }
});

test('tsconfig.paths.json maps every subpath to the source its export is built from (the root: its Node entry) (targets type-check before a build)', () => {
  const { paths } = JSON.parse(readFileSync(`${root}tsconfig.paths.json`, 'utf8')).compilerOptions;
  const expected: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue;
    const code = subpath === '.' ? (target as { node: ExportTarget }).node.default : (target as ExportTarget).default;
    expected[`xlink${subpath.slice(1)}`] = [code.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts')];
  }
  assert.deepEqual(paths, expected);
});

test('on Node the root resolves to the Node entry, elsewhere to the portable one', () => {
  const root = manifest.exports['.'];
  assert.deepEqual(Object.keys(root), ['node', 'types', 'default'], 'the node condition must come first');
  assert.equal(root.node.default, './dist/index.node.js');
  assert.equal(root.default, './dist/index.js');
});

interface ExportTarget {
  types: string;
  default: string;
  [condition: string]: ExportTarget | string;
}

/** Every { types, default } pair of an export, nested conditions (node: {…}) included. */
function conditionTargets(target: ExportTarget): { types: string; default: string }[] {
  const nested = Object.values(target).filter((value): value is ExportTarget => typeof value === 'object');
  return [{ types: target.types, default: target.default }, ...nested.flatMap(conditionTargets)];
}

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
