import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { main } from '../../provisioning/cli.js';
import { logLine } from '../../src/platform/node/append-log.js';

const root = new URL('../..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'xlink-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const at = (name: string): string => join(scratch, name);
const ESC = String.fromCharCode(27);

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function xlink(
  args: string[],
  { tty = false, env = {} }: { tty?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture(tty);
  const stderr = new Capture(tty);
  const code = await main(args, { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function ok(args: string[]): Promise<string> {
  const run = await xlink(args);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

describe('xlink provision and xlink registry', () => {
  it('walks the production line: keys, a sealed batch, open, import, verify, revoke, export, check', async () => {
    const operator = JSON.parse(await ok(['provision', 'keygen', '--out', at('operator.key')]));
    writeFileSync(at('station.json'), await ok(['provision', 'keygen', '--out', at('station.key')]));
    const batch = JSON.parse(
      await ok([
        'provision',
        ...['--product', 'thermo', '--batch', 'L1', '--count', '4', '--out', at('L1'), '--format', 'espruino'],
        ...['--seal-to', at('station.json'), '--operator-key', at('operator.key'), '--json'],
      ]),
    );
    assert.equal(batch.devices, 4);
    const sealed = readdirSync(at('L1/artifacts')).sort();
    assert.deepEqual(sealed, [
      'L1-000001.js.sealed',
      'L1-000002.js.sealed',
      'L1-000003.js.sealed',
      'L1-000004.js.sealed',
    ]);
    const opened = JSON.parse(
      await ok([
        'provision',
        'open',
        at('L1/artifacts/L1-000001.js.sealed'),
        ...['--station-key', at('station.key'), '--operator', operator.did, '--out', at('L1-000001.js'), '--json'],
      ]),
    );
    assert.equal(opened.sender, operator.did);
    assert.match(readFileSync(at('L1-000001.js'), 'utf8'), /^var s=require\("Storage"\);\ns\.write\("xlink\.seed"/);

    const registry = ['--registry', at('trust.log'), '--operator-key', at('operator.key')];
    const imported = JSON.parse(
      await ok(['registry', 'import', at('L1/manifest.jsonl'), ...registry, '--create', '--json']),
    );
    assert.deepEqual(imported, { imported: 4, already: 0, failed: 0 });
    assert.deepEqual(JSON.parse(await ok(['registry', 'import', at('L1/manifest.jsonl'), ...registry, '--json'])), {
      imported: 0,
      already: 4,
      failed: 0,
    });
    const checks = ['--manifest', at('L1/manifest.jsonl'), '--registry', at('trust.log'), '--operator', operator.did];
    const verified = await xlink(['provision', 'verify', at('L1-000001.js'), ...checks, '--jsonl']);
    assert.equal(verified.code, 0, verified.stderr);
    const line = JSON.parse(verified.stdout);
    assert.equal(line.serial, 'L1-000001');

    await ok(['registry', 'revoke', line.did, '--reason', 'returned', ...registry]);
    const refused = await xlink([
      'provision',
      'verify',
      at('L1-000001.js'),
      at('L1/artifacts/L1-000002.js.sealed'),
      ...checks,
      '--station-key',
      at('station.key'),
    ]);
    assert.equal(refused.code, 4, 'a revoked device fails the end-of-line check');
    assert.match(refused.stderr, /PROVISION_VERIFY_FAILED: .*revoked in the registry: "returned"/);
    assert.match(refused.stdout, /L1-000002\.js\.sealed: ok L1-000002/);

    const listed = JSON.parse(
      await ok(['registry', 'list', '--registry', at('trust.log'), '--operator', operator.did, '--json']),
    );
    assert.equal(listed.length, 4);
    assert.equal(listed.filter((entry: { revoked?: unknown }) => entry.revoked !== undefined).length, 1);
    const shown = JSON.parse(
      await ok(['registry', 'show', line.did, '--registry', at('trust.log'), '--operator', operator.did, '--json']),
    );
    assert.equal(shown.authorisation.sequence, 2);

    await ok(['registry', 'export', ...registry, '--out', at('snapshot.json')]);
    const checked = JSON.parse(
      await ok(['registry', 'check', at('snapshot.json'), '--operator', operator.did, '--json']),
    );
    assert.deepEqual([checked.entries, checked.revoked], [4, 1]);

    // A scope edited into the file grants nothing to a reader that knows the operator.
    const lines = readFileSync(at('trust.log'), 'utf8')
      .slice(0, -1)
      .split('\n')
      .map((l) => l.slice(9));
    const record = JSON.parse(lines[2] as string);
    record.scopes = ['*'];
    lines[2] = JSON.stringify(record);
    writeFileSync(at('trust.log'), lines.map((l) => logLine(l)).join(''));
    const tampered = await xlink([
      'registry',
      'show',
      record.did,
      '--registry',
      at('trust.log'),
      '--operator',
      operator.did,
    ]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /^xlink: REGISTRY_NOT_AUTHORISED: /);
    assert.match(tampered.stderr, /hint: /);
  });

  it('custody: k of n shares recreate the master; a batch from any k shares gives the same DIDs', async () => {
    const split = JSON.parse(
      await ok([
        'provision',
        'custody',
        'split',
        '--threshold',
        '2',
        '--shares',
        '3',
        '--out',
        at('custody'),
        '--json',
      ]),
    );
    const [one, two, three] = split.shares as string[];
    const combined = JSON.parse(
      await ok([
        'provision',
        'custody',
        'combine',
        one as string,
        three as string,
        '--hmac-key',
        split.hmacKey,
        '--json',
      ]),
    );
    assert.equal(combined.masterId, split.masterId);
    const short = await xlink(['provision', 'custody', 'combine', two as string, '--hmac-key', split.hmacKey]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /INSUFFICIENT_SHARES/);
    const tamperedShare = readFileSync(two as string, 'utf8').replace(
      /^(.{60})(.)/,
      (_, head: string, c: string) => head + (c === '0' ? '1' : '0'),
    );
    writeFileSync(at('tampered.share'), tamperedShare, { mode: 0o600 });
    const tampered = await xlink([
      'provision',
      'custody',
      'combine',
      one as string,
      at('tampered.share'),
      '--hmac-key',
      split.hmacKey,
    ]);
    assert.match(tampered.stderr, /HMAC_VERIFICATION_FAILED/);
    const dids = async (folder: string, shares: string[]): Promise<string[]> => {
      await ok([
        'provision',
        '--product',
        'p',
        '--batch',
        'C1',
        '--count',
        '3',
        '--out',
        at(folder),
        '--master-shares',
        shares.join(','),
        '--hmac-key',
        split.hmacKey,
      ]);
      return readFileSync(at(`${folder}/manifest.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).did);
    };
    assert.deepEqual(
      await dids('C1a', [one as string, two as string]),
      await dids('C1b', [three as string, two as string]),
    );
  });

  it('exit codes: 2 for usage, 1 for a typed error, 3 for a partly failed batch; key files others can read are refused', async () => {
    const usage = await xlink(['provision', '--product', 'p']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--batch is required[\s\S]*Usage:/);
    assert.equal((await xlink(['registry', 'frobnicate'])).code, 2);
    const threads = await xlink([
      'provision',
      '--product',
      'p',
      '--batch',
      'T',
      '--count',
      '1',
      '--out',
      at('threads'),
      '--threads',
      '1.5',
    ]);
    assert.equal(threads.code, 2);
    assert.match(threads.stderr, /--threads expects 0 to 64/);
    assert.equal(existsSync(at('threads')), false);
    const duplicate = at('dups.csv');
    writeFileSync(duplicate, 'serial\nD-1\nD-2\nD-1\n');
    const refused = await xlink([
      'provision',
      '--product',
      'p',
      '--batch',
      'D',
      '--serials',
      duplicate,
      '--out',
      at('D'),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /PROVISION_DUPLICATE_SERIAL/);
    const partial = at('P');
    await ok(['provision', '--product', 'p', '--batch', 'P', '--count', '1', '--out', partial]);
    rmSync(join(partial, 'journal.log'));
    rmSync(join(partial, 'manifest.jsonl'));
    // P-000001.bin is still there and not the tool's any more: that device fails, the others go on.
    const run = await xlink([
      'provision',
      '--product',
      'p',
      '--batch',
      'P',
      '--count',
      '3',
      '--out',
      partial,
      '--json',
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.deepEqual(
      JSON.parse(run.stdout).failed.map((f: { serial: string }) => f.serial),
      ['P-000001'],
    );
    writeFileSync(at('loose.key'), `${'ab'.repeat(32)}\n`);
    chmodSync(at('loose.key'), 0o644);
    const loose = await xlink(['provision', 'open', at('x.sealed'), '--station-key', at('loose.key')]);
    assert.equal(loose.code, 1);
    assert.match(loose.stderr, /can be read by others/);
  });

  it('progress bar on a terminal only, never with --json or --jsonl; NO_COLOR keeps errors plain', async () => {
    const args = ['provision', '--product', 'p', '--batch', 'T', '--count', '3'];
    const tty = await xlink([...args, '--out', at('T1')], { tty: true });
    assert.match(tty.stderr, /provisioning T \[/);
    assert.equal((await xlink([...args, '--out', at('T2')])).stderr, '');
    const jsonl = await xlink([...args, '--out', at('T3'), '--jsonl'], { tty: true });
    assert.equal(jsonl.stderr, '');
    assert.equal(jsonl.stdout.trim().split('\n').length, 3);
    const coloured = await xlink(['registry', 'show', 'did:key:x', '--registry', at('none.log')], { tty: true });
    assert.ok(coloured.stderr.includes(`${ESC}[31m`));
    const plain = await xlink(['registry', 'show', 'did:key:x', '--registry', at('none.log')], {
      tty: true,
      env: { NO_COLOR: '1' },
    });
    assert.equal(plain.stderr.includes(ESC), false);
    assert.match(plain.stderr, /REGISTRY_MISSING/);
  });

  it('the xlink bin dispatches provision and registry to provisioning/', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'provision', '--help'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0);
    assert.match(run.stderr, /xlink provision --product P --batch B/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'registry', 'list'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--registry is required/);
  });
});
