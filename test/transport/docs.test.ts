// docs/transports.md's serve example must run as printed: it is extracted,
// its package import pointed at the sources, and executed in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

test('the serve example in docs/transports.md runs and prints what the page says', () => {
  const page = readFileSync(join(root, 'docs/transports.md'), 'utf8');
  const example = /## Running an agent on a transport[\s\S]*?```ts\n([\s\S]*?)```/.exec(page)?.[1];
  assert.ok(example, 'a ts block under "## Running an agent on a transport"');
  assert.match(example, /from 'xlink';/);
  const code = example.replace("from 'xlink';", `from '${join(root, 'src/index.node.ts')}';`);
  const dir = mkdtempSync(join(tmpdir(), 'xlink-transports-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', 'nothing reached onError');
    assert.equal(run.stdout, 'accepted { temp: 22.5 }\nrefused REPLAY_DETECTED\n');
    assert.match(page, /It prints `accepted \{ temp: 22\.5 \}`, then `refused REPLAY_DETECTED`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the MQTT example in docs/transports.md runs on the embedded broker and prints what the page says', () => {
  const page = readFileSync(join(root, 'docs/transports.md'), 'utf8');
  const example = /## MQTT\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(page)?.[1];
  assert.ok(example, 'a ts block under "## MQTT"');
  const subpaths: Record<string, string> = {
    'xlink/crypto/node': 'src/crypto/node/index.ts',
    'xlink/envelope/telemetry': 'src/envelope/telemetry.ts',
    'xlink/identity': 'src/identity/index.ts',
    'xlink/transport/mqtt': 'src/transport/node/mqtt.ts',
  };
  let code = example;
  for (const [name, path] of Object.entries(subpaths))
    code = code.replace(`from '${name}';`, `from '${join(root, path)}';`);
  assert.doesNotMatch(code, /from 'xlink/, 'every import is pointed at the sources');
  const dir = mkdtempSync(join(tmpdir(), 'xlink-transports-'));
  try {
    const file = join(dir, 'mqtt-example.mts');
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', 'nothing reached onError');
    const printed = /^received dt\/acme\/([0-9a-f]{12})\/telemetry (\d+) bytes\n$/.exec(run.stdout);
    assert.ok(printed, run.stdout);
    assert.match(
      page,
      new RegExp(`It prints \`received dt/acme/<the device's kid in hex>/telemetry ${printed[2]} bytes\``),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
