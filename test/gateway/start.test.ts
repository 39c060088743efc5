// `npm start` runs the gateway on embedded defaults: it must exit 0 having verified every reading once
// and refused every attack with its code (src/cli/gateway-demo.ts checks the counts itself).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

test('npm start: embedded broker, gateway and five devices; every reading verified once, every attack refused', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gateway-demo'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /summary {4}sent (\d+) valid readings, \1 verified and forwarded once/);
  for (const reason of [
    'verification-failed.revoked',
    'verification-failed.topic-mismatch',
    'scope-denied',
    'timestamp-expired',
  ]) {
    assert.match(run.stdout, new RegExp(`refused +${reason.replaceAll('.', '\\.')} `));
  }
});
