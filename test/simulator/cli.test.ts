import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

test('an output flag whose module is not wired is refused, not faked', async () => {
  for (const [flag, module] of [
    [['--json'], 'simulator/summary.ts'],
    [['--csv'], 'simulator/summary.ts'],
    [['--report', 'r.html'], 'simulator/report/'],
    [['--metrics-port', '0'], 'simulator/metrics.ts'],
  ] as const) {
    const { out, io } = streams();
    assert.equal(await main(['--embedded', ...flag], io, {}), 2, flag.join(' '));
    assert.ok(out.stderr.includes(`needs ${module}`), out.stderr);
  }
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
    {},
  );
  assert.equal(code, 0, out.stdout + out.stderr);
  assert.match(
    out.stdout,
    /^passed {5}sent=21 valid=16 verified=16 lost=0 duplicates=0 injected=5 rejected=5 slipped=0 misclassified=0$/m,
  );
  assert.match(
    out.stdout,
    /^fault {6}revoked injected=1 expected=verification-failed\.revoked observed=verification-failed\.revoked:1$/m,
  );
  assert.match(out.stderr, /^1s total=\d+ rate=\d+\/s verified=\d+ rejected=\d+$/m);
});

test('wired outputs receive the FleetRunResult', async () => {
  const { out, io } = streams();
  let seen: FleetRunResult | undefined;
  const code = await main(['--embedded', '--devices', '2', '--rate', '10', '--count', '3', '--json'], io, {
    summaryJson: (result) => {
      seen = result;
      return JSON.stringify(result.totals);
    },
  });
  assert.equal(code, 0, out.stderr);
  assert.equal(seen?.clock, 'real');
  assert.deepEqual(JSON.parse(out.stdout), seen?.totals);
  assert.equal(seen?.totals.verified, 6);
});
