// The README's example must run as printed: it is extracted, its package
// imports are pointed at the sources, and it is executed in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const SUBPATHS: Record<string, string> = {
  xlink: 'src/index.node.ts',
};

test('the README example runs and prints what the README says', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'README has a ts block under "## Example"');
  const code = example.replace(/from '(xlink[^']*)'/g, (_, specifier: string) => {
    const target = SUBPATHS[specifier];
    assert.ok(target, `README imports ${specifier}, which this test does not map`);
    return `from '${join(root, target)}'`;
  });
  const dir = mkdtempSync(join(tmpdir(), 'xlink-readme-'));
  try {
    const file = join(dir, 'example.mts'); // .mts: ESM with top-level await, as in a user's module
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'v2 {"temp":22.5}\n');
    assert.match(readme, /It prints `v2 \{"temp":22\.5\}`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
