// The layer order of docs/architecture.md is a lint rule (biome.json,
// noRestrictedImports per folder). These cases prove the rule bites: each
// probe is linted as if it lived at the given path, without writing files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const cases: [path: string, importFrom: string, allowed: boolean][] = [
  ['src/codec/probe.ts', '../identity/did.js', false],
  ['src/codec/probe.ts', 'node:fs', false],
  ['src/crypto/probe.ts', './node/index.js', false],
  ['src/crypto/probe.ts', '../identity/did.js', false],
  ['src/crypto/noble/probe.ts', 'node:crypto', false],
  ['src/crypto/node/probe.ts', 'node:crypto', true],
  ['src/crypto/node/probe.ts', '../provider.js', true],
  ['src/identity/probe.ts', '../crypto/provider.js', true],
  ['src/identity/probe.ts', '../../simulator/fleet.js', false],
  ['src/identity/probe.ts', '../../targets/xs/main.js', false],
  ['src/envelope/probe.ts', '../agent/agent.js', false],
  ['src/replay/probe.ts', '../registry/memory.js', false],
  ['src/replay/probe.ts', '../envelope/open.js', true],
  ['src/agent/probe.ts', '../gateway/daemon.js', false],

  ['src/cli/probe.ts', 'node:fs', true],
  ['src/cli/probe.ts', '../agent/agent.js', true],
];

// Probes are real files (biome applies per-folder overrides by path), removed afterwards
// together with any folder they had to create.
const probes = cases.map(([path], index) => path.replace(/[^/]+\.ts$/, `layer-probe-${process.pid}-${index}.ts`));
const createdDirs: string[] = [];
let diagnostics = '';

before(() => {
  cases.forEach(([, importFrom], index) => {
    const file = join(root, probes[index] as string);
    let dir = dirname(file);
    const missing: string[] = [];
    while (!existsSync(dir)) {
      missing.unshift(dir);
      dir = dirname(dir);
    }
    for (const d of missing) mkdirSync(d);
    createdDirs.push(...missing.reverse());
    writeFileSync(file, `import { probe } from '${importFrom}';\nexport const used = probe;\n`);
  });
  const run = spawnSync(join(root, 'node_modules/.bin/biome'), ['lint', '--max-diagnostics=none', ...probes], {
    cwd: root,
    encoding: 'utf8',
  });
  diagnostics = run.stdout + run.stderr;
});

after(() => {
  for (const probe of probes) rmSync(join(root, probe), { force: true });
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

cases.forEach(([path, importFrom, allowed], index) => {
  test(`${path.replace(/[^/]+\.ts$/, '')} ${allowed ? 'may' : 'may not'} import ${importFrom}`, () => {
    const flagged = diagnostics.includes(`${probes[index]}:1:23 lint/style/noRestrictedImports`);
    assert.equal(flagged, !allowed, diagnostics);
  });
});
