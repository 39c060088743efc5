import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function xlink(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, encoding: 'utf8' });
}

test('xlink --version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const run = xlink('--version');
  assert.equal(run.status, 0);
  assert.equal(run.stdout.trim(), version);
});

test('xlink --help lists the commands; no command prints help and exits 2', () => {
  const help = xlink('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /xlink demo/);
  assert.match(help.stdout, /--version/);
  assert.equal(xlink().status, 2);
});

test('unknown commands and backends are refused with exit code 2', () => {
  const command = xlink('frobnicate');
  assert.equal(command.status, 2);
  assert.match(command.stderr, /unknown command "frobnicate"/);
  const backend = xlink('demo', '--backend', 'openssl3');
  assert.equal(backend.status, 2);
  assert.match(backend.stderr, /unknown backend "openssl3"/);
});

for (const backend of ['node', 'webcrypto', 'noble']) {
  test(`xlink demo delivers a reading and refuses the attacks on the ${backend} backend`, () => {
    const run = xlink('demo', '--backend', backend);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`backend {4}${backend}`));
    assert.match(run.stdout, /receive {4}ok\n {11}v2 from sensor-17, temp 22.5/);
    assert.match(run.stdout, /replay {5}REPLAY_DETECTED/);
    assert.match(run.stdout, /tampered {3}VERIFICATION_FAILED:SIGNATURE_MISMATCH/);
    assert.match(run.stdout, /escalate {3}SCOPE_DENIED/);
  });
}
