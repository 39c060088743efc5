import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../simulator/cli.js';
import type { FleetRunResult } from '../../simulator/run-result.js';

function streams() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } },
  };
}

const root = new URL('../../', import.meta.url).pathname;

test('the bin runs `xlink simulate --help` (loaded by path, like provisioning)', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--help'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Usage: xlink simulate/);
});

test('a bad flag exits 2 with INVALID_ARGUMENT:SIMULATOR_CONFIG, its hint and the usage', async () => {
  const { out, io } = streams();
  assert.equal(await main(['simulate', '--embedded', '--rate', 'lots'], io), 2);
  assert.match(
    out.stderr,
    /^xlink: INVALID_ARGUMENT:SIMULATOR_CONFIG: --rate expected a number from 0.001 to 100000, got "lots"/,
  );
  assert.match(out.stderr, /xlink simulate --help/);
  assert.match(out.stderr, /Usage: xlink simulate/);
  assert.equal(out.stdout, '');
});

test('an embedded run on a virtual clock: exit 0, the summary on stdout, progress on stderr', async () => {
  const { out, io } = streams();
  const code = await main(
    [
      'simulate',
      '--embedded',
      '--devices',
      '4',
      '--rate',
      '5',
      '--count',
      '5',
      '--virtual-clock',
      '--faults',
      'garbage=10,wrong-scope=10,revoked=5',
    ],
    io,
  );
  assert.equal(code, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /^xlink simulate: PASSED$/m);
  for (const [name, value] of Object.entries({
    sent: 21,
    valid: 16,
    verified: 16,
    lost: 0,
    injected: 5,
    rejected: 5,
  })) {
    assert.match(out.stdout, new RegExp(`^  ${name} +${value}\\b`, 'm'), name);
  }
  assert.match(out.stdout, /^ {2}revoked +1 +verification-failed\.revoked +verification-failed\.revoked=1 +ok$/m);
  assert.match(out.stderr, /^1s total=\d+ rate=\d+\/s verified=\d+ rejected=\d+$/m);
});

test('--json prints the FleetRunResult, --report writes the HTML report beside it', async () => {
  const { out, io } = streams();
  const dir = mkdtempSync(join(tmpdir(), 'xlink-cli-'));
  try {
    const report = join(dir, 'report.html');
    const code = await main(
      ['--embedded', '--devices', '2', '--rate', '10', '--count', '3', '--json', '--report', report],
      io,
    );
    assert.equal(code, 0, out.stderr);
    const result = JSON.parse(out.stdout) as FleetRunResult;
    assert.equal(result.clock, 'real');
    assert.equal(result.totals.verified, 6);
    assert.equal(result.passed, true);
    assert.ok(out.stderr.includes(`report     ${report}`), out.stderr);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /^<!doctype html>/i);
    assert.equal((html.match(/<svg\b/g) ?? []).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
