// The layer order of docs/architecture.md is a lint rule (biome.json,
// noRestrictedImports per folder). These cases prove the rule bites: each probe
// is a one-line import written under src/<layer>/ of a temporary copy of the
// project's biome.json (biome applies per-folder overrides by path), so the
// repository itself is never written to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  ['src/cli/probe.ts', '../gateway/daemon.js', true],
  ['src/gateway/probe.ts', '../cli/main.js', false],
  ['src/platform/probe.ts', '../crypto/provider.js', false],
  ['src/platform/probe.ts', 'node:fs', false],
  ['src/platform/node/probe.ts', 'node:fs', true],
  ['src/codec/probe.ts', '../platform/clock.js', false],
  ['src/crypto/probe.ts', '../platform/random.js', true],
  ['src/envelope/probe.ts', '../split/xorida.js', false],
];

// One file per case, so each diagnostic names its case.
const probes = cases.map(([path], index) => path.replace(/[^/]+\.ts$/, `probe-${index}.ts`));

interface Config {
  $schema?: string;
  overrides?: unknown[];
}

/** The project's biome.json without `$schema`, whose relative path would not resolve from a temporary folder. */
function projectConfig(): Config {
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as Config;
  delete config.$schema;
  return config;
}

let scratch = '';

/** Writes `config` and every probe under a fresh folder, lints the probes there, and returns biome's output. */
function lintProbes(name: string, config: Config): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  cases.forEach(([, importFrom], index) => {
    const file = join(dir, probes[index] as string);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `import { probe } from '${importFrom}';\nexport const used = probe;\n`);
  });
  const run = spawnSync(
    join(root, 'node_modules/.bin/biome'),
    ['lint', '--vcs-enabled=false', '--max-diagnostics=none', ...probes],
    { cwd: dir, encoding: 'utf8' },
  );
  const output = run.stdout + run.stderr;
  // A probe biome never looked at would pass every "may import" case unseen.
  assert.match(output, new RegExp(`Checked ${cases.length} files? in`), output);
  return output;
}

function flagged(diagnostics: string, index: number): boolean {
  return diagnostics.includes(`${probes[index]}:1:23 lint/style/noRestrictedImports`);
}

let diagnostics = '';

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'xlink-layers-'));
  diagnostics = lintProbes('project', projectConfig());
});

after(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

cases.forEach(([path, importFrom, allowed], index) => {
  test(`${path.replace(/[^/]+\.ts$/, '')} ${allowed ? 'may' : 'may not'} import ${importFrom}`, () => {
    assert.equal(flagged(diagnostics, index), !allowed, diagnostics);
  });
});

test('the rule is what makes these fail: without biome.json overrides no probe is flagged', () => {
  const { overrides, ...withoutOverrides } = projectConfig();
  assert.ok(Array.isArray(overrides) && overrides.length > 0, 'biome.json has no overrides');
  const unruled = lintProbes('without-overrides', withoutOverrides);
  cases.forEach(([path, importFrom], index) => {
    assert.equal(flagged(unruled, index), false, `${path} importing ${importFrom}\n${unruled}`);
  });
});
