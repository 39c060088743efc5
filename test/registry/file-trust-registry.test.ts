import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { Identity } from '../../src/identity/derive.js';
import { identityDocumentToJson, type SignedIdentityDocument } from '../../src/identity/document.js';
import type { Clock } from '../../src/platform/clock.js';
import { FileTrustRegistry, type RegistryLoadReport } from '../../src/registry/node/index.js';
import {
  codeOf,
  crypto,
  documentOf,
  ISSUED_AT,
  ManualClock,
  newIdentity,
  plain,
  runTrustRegistryContract,
  value,
} from './trust-registry-contract.js';

const root = new URL('../../', import.meta.url).pathname;
const HEADER_LINE = '{"format":"xlink-trust-registry","version":1}\n';

let scratch = '';
let counter = 0;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'xlink-registry-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function freshPath(): string {
  counter += 1;
  return join(scratch, `trust-${counter}.jsonl`);
}

function openRegistry(
  path: string,
  options: { clock?: Clock; crypto?: CryptoProvider; onRecovery?: (report: RegistryLoadReport) => void } = {},
): FileTrustRegistry {
  return new FileTrustRegistry({ path, crypto, clock: options.clock ?? new ManualClock(), ...options });
}

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
  return text.slice(0, -1).split('\n');
}

async function plainList(registry: FileTrustRegistry): Promise<Record<string, unknown>[]> {
  return (await registry.list()).map(plain);
}

runTrustRegistryContract('FileTrustRegistry', (context) =>
  openRegistry(freshPath(), { clock: context.clock, crypto: context.crypto ?? crypto }),
);

describe('FileTrustRegistry', () => {
  let alice: Identity;
  let bob: Identity;
  let carol: Identity;
  let aliceDoc: SignedIdentityDocument;
  let bobDoc: SignedIdentityDocument;
  let carolDoc: SignedIdentityDocument;

  before(async () => {
    [alice, bob, carol] = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
    [aliceDoc, bobDoc, carolDoc] = await Promise.all([
      documentOf(alice),
      documentOf(bob, 1, ['signed', 'v1', 'v2', 'v3']),
      documentOf(carol),
    ]);
  });

  /** Header and two records (Alice, Bob), written by the registry itself. */
  async function baseFile(): Promise<string> {
    const path = freshPath();
    const registry = openRegistry(path);
    value(await registry.register({ document: aliceDoc, scopes: ['a'], name: 'alice' }));
    value(await registry.register({ document: bobDoc, scopes: ['b'] }));
    await registry.close();
    return path;
  }

  describe('persistence', () => {
    it('creates the file with its header and keeps every change across a reopen', async () => {
      const path = freshPath();
      const clock = new ManualClock();
      const registry = openRegistry(path, { clock });
      assert.deepEqual(value(await registry.load()), { records: 0, tornTail: null });
      assert.equal(readFileSync(path, 'utf8'), HEADER_LINE);

      value(await registry.register({ document: aliceDoc, scopes: ['telemetry'], name: 'Sensör 🚀' }));
      clock.time += 1;
      value(await registry.register({ document: bobDoc, scopes: ['*'] }));
      clock.time += 1;
      value(await registry.updateDocument(await documentOf(alice, 2)));
      value(await registry.setScopes(bob.did, ['x', 'y']));
      value(await registry.revoke(alice.did, { reason: 'stolen\n"quoted"' }));
      // Refused and idempotent calls write nothing.
      const size = statSync(path).size;
      assert.equal(
        codeOf(await registry.register({ document: aliceDoc, scopes: [] })),
        'REGISTRATION_FAILED:ALREADY_REGISTERED',
      );
      assert.equal(codeOf(await registry.setScopes(bob.did, ['a b'])), 'INVALID_SCOPE');
      value(await registry.revoke(alice.did, { reason: 'again' }));
      assert.equal(statSync(path).size, size);

      const expected = await plainList(registry);
      await registry.close();
      assert.equal(codeOf(await registry.resolve(alice.did)), 'REGISTRY_IO_FAILED');

      const records = lines(path);
      assert.equal(records[0], HEADER_LINE.trim());
      assert.deepEqual(
        records.slice(1).map((line) => JSON.parse(line).op),
        ['register', 'register', 'document', 'scopes', 'revoke'],
      );
      const reopened = openRegistry(path);
      assert.deepEqual(value(await reopened.load()), { records: 5, tornTail: null });
      assert.deepEqual(await plainList(reopened), expected);
      await reopened.close();
    });

    it('checks updates after a reopen against the stored document', async () => {
      const path = await baseFile();
      const registry = openRegistry(path);
      value(await registry.updateDocument(await documentOf(alice, 2)));
      await registry.close();
      const reopened = openRegistry(path);
      assert.equal(
        codeOf(await reopened.updateDocument(await documentOf(alice, 2))),
        'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
      );
      value(await reopened.updateDocument(await documentOf(alice, 3)));
      await reopened.close();
    });

    it('loads once, however many calls wait for it', async () => {
      const path = await baseFile();
      const registry = openRegistry(path);
      const [first, second, entry] = await Promise.all([registry.load(), registry.load(), registry.resolve(alice.did)]);
      assert.deepEqual(value(first), { records: 2, tornTail: null });
      assert.equal(value(first), value(second));
      assert.equal(value(entry).name, 'alice');
      await registry.close();
    });
  });

  describe('crash in the middle of a write', () => {
    it('drops a torn last line wherever the write was cut, reports it, and appends cleanly after it', async () => {
      const base = await baseFile();
      const baseBytes = readFileSync(base);
      // The full file as it would be had the write of Carol's record completed.
      const complete = freshPath();
      copyFileSync(base, complete);
      const writer = openRegistry(complete);
      value(await writer.register({ document: carolDoc, scopes: ['c'], name: 'Sensör 🚀' }));
      await writer.close();
      const completeBytes = readFileSync(complete);
      const record = completeBytes.subarray(baseBytes.length);
      assert.equal(record.at(-1), 0x0a);

      const insideTwoByte = record.indexOf(Buffer.from('ö')) + 1;
      const insideFourByte = record.indexOf(Buffer.from('🚀')) + 2;
      assert.ok(insideTwoByte > 0 && insideFourByte > 1);
      const cuts = [1, 17, Math.floor(record.length / 2), insideTwoByte, insideFourByte, record.length - 1];
      for (const cut of cuts) {
        const path = freshPath();
        writeFileSync(path, Buffer.concat([baseBytes, record.subarray(0, cut)]));
        const reports: RegistryLoadReport[] = [];
        const registry = openRegistry(path, { onRecovery: (report) => reports.push(report) });
        const loaded = value(await registry.load());
        assert.deepEqual(loaded, { records: 2, tornTail: { line: 4, bytes: cut } }, `cut at ${cut}`);
        assert.deepEqual(reports, [loaded]);
        assert.equal(statSync(path).size, baseBytes.length, 'the torn bytes are truncated away');
        assert.equal(value(await registry.resolve(alice.did)).name, 'alice');
        assert.deepEqual(value(await registry.resolve(bob.did)).scopes, ['b']);
        assert.equal(codeOf(await registry.resolve(carol.did)), 'DID_NOT_IN_REGISTRY');

        value(await registry.register({ document: carolDoc, scopes: ['c'], name: 'Sensör 🚀' }));
        await registry.close();
        assert.deepEqual(
          readFileSync(path),
          completeBytes,
          `cut at ${cut}: the retried write lands where the torn one began`,
        );
        const reopened = openRegistry(path, { onRecovery: () => assert.fail('nothing to recover') });
        assert.deepEqual(value(await reopened.load()), { records: 3, tornTail: null });
        assert.deepEqual(
          (await reopened.list()).map((entry) => entry.did),
          [alice.did, bob.did, carol.did],
        );
        await reopened.close();
      }
    });

    it('rejects the loading call when onRecovery throws, and loads cleanly on the next call', async () => {
      const path = await baseFile();
      appendFileSync(path, '{"op":"reg');
      const registry = openRegistry(path, {
        onRecovery: () => {
          throw new Error('observer failed');
        },
      });
      await assert.rejects(registry.resolve(alice.did), /observer failed/);
      assert.deepEqual(value(await registry.load()), { records: 2, tornTail: null });
      assert.equal(value(await registry.resolve(alice.did)).did, alice.did);
      await registry.close();
    });

    it('drops a complete but unparsable last line (a crash that left zeros)', async () => {
      const path = await baseFile();
      const good = readFileSync(path);
      appendFileSync(path, '{"op":"regis\0\0\0\0\n');
      const registry = openRegistry(path);
      assert.deepEqual(value(await registry.load()), { records: 2, tornTail: { line: 4, bytes: 17 } });
      assert.deepEqual(readFileSync(path), good);
      await registry.close();
    });

    it('finishes a header that a crash cut short', async () => {
      const path = freshPath();
      writeFileSync(path, HEADER_LINE.slice(0, 10));
      const registry = openRegistry(path);
      assert.deepEqual(value(await registry.load()), { records: 0, tornTail: { line: 1, bytes: 10 } });
      assert.equal(readFileSync(path, 'utf8'), HEADER_LINE);
      value(await registry.register({ document: aliceDoc, scopes: [] }));
      await registry.close();
      assert.equal(lines(path).length, 2);
    });

    it('keeps every acknowledged registration when the writer is killed at a random moment', async () => {
      for (let run = 0; run < 3; run += 1) {
        const path = freshPath();
        const delay = 150 + Math.floor(Math.random() * 350);
        const acknowledged = await killWhileRegistering(path, delay);
        const context = `run ${run}: killed after ${delay} ms, ${acknowledged.length} acknowledged`;
        assert.ok(acknowledged.length > 0, context);

        const registry = openRegistry(path);
        const loaded = value(await registry.load());
        for (const did of acknowledged) assert.equal(value(await registry.resolve(did)).did, did, context);
        // At most one record was written but not yet acknowledged when the kill came.
        const count = (await registry.list()).length;
        assert.ok(count === acknowledged.length || count === acknowledged.length + 1, `${context}, ${count} on disk`);
        assert.equal(loaded.records, count);

        const extra = await newIdentity();
        value(await registry.register({ document: await documentOf(extra), scopes: ['after-crash'] }));
        await registry.close();
        const reopened = openRegistry(path);
        assert.deepEqual(value(await reopened.load()), { records: count + 1, tornTail: null });
        for (const did of [...acknowledged, extra.did]) value(await reopened.resolve(did));
        await reopened.close();
      }
    });
  });

  describe('damage', () => {
    /** The base file plus a scopes record for Alice: header and three records. */
    async function threeRecords(): Promise<string[]> {
      const path = await baseFile();
      const registry = openRegistry(path);
      value(await registry.setScopes(alice.did, ['z']));
      await registry.close();
      return lines(path);
    }

    async function assertCorrupt(fileLines: string[], line: number, message: RegExp): Promise<void> {
      const path = freshPath();
      const text = `${fileLines.join('\n')}\n`;
      writeFileSync(path, text);
      const registry = openRegistry(path, { onRecovery: () => assert.fail('damage is not a torn tail') });
      const loaded = await registry.load();
      assert.equal(codeOf(loaded), 'REGISTRY_CORRUPT');
      assert.ok(!loaded.ok);
      assert.match(loaded.error.message, new RegExp(`line ${line}: `));
      assert.match(loaded.error.message, message);
      assert.equal(codeOf(await registry.register({ document: carolDoc, scopes: [] })), 'REGISTRY_CORRUPT');
      await assert.rejects(registry.list(), { code: 'REGISTRY_CORRUPT' });
      assert.equal(readFileSync(path, 'utf8'), text, 'a corrupt file is never written');
      await registry.close();
    }

    it('fails the load, naming the line, when a record before the last line is damaged', async () => {
      const good = await threeRecords();
      const replace = (index: number, line: string): string[] => good.map((old, at) => (at === index ? line : old));
      const record = (index: number): Record<string, unknown> => JSON.parse(good[index] as string);

      await assertCorrupt(replace(2, (good[2] as string).slice(0, -5)), 3, /not a JSON record/);
      await assertCorrupt([...good.slice(0, 2), '', ...good.slice(2)], 3, /not a JSON record/);
      await assertCorrupt(replace(2, JSON.stringify({ ...record(2), op: 'rgister' })), 3, /unknown "op"/);
      await assertCorrupt(replace(1, JSON.stringify({ ...record(1), admin: true })), 2, /unexpected key "admin"/);
      await assertCorrupt(replace(1, JSON.stringify({ ...record(1), did: bob.did })), 2, /registered twice|belongs to/);
      await assertCorrupt(replace(2, JSON.stringify({ ...record(2), did: alice.did })), 3, /belongs to|twice/);
      await assertCorrupt(replace(2, JSON.stringify({ ...record(2), at: -1 })), 3, /"at"/);
      await assertCorrupt(replace(1, JSON.stringify({ ...record(1), document: { body: 'AA' } })), 2, /"document"/);
      await assertCorrupt(replace(0, '{"format":"xlink-trust-registry","version":2}'), 1, /version 2/);
    });

    it('treats a complete last line that breaks a rule as damage, not as a torn write', async () => {
      const good = await threeRecords();
      const last = JSON.parse(good[3] as string);
      await assertCorrupt([...good.slice(0, 3), JSON.stringify({ ...last, scopes: ['a b'] })], 4, /INVALID|"scopes/);
      await assertCorrupt([...good.slice(0, 3), JSON.stringify({ ...last, did: carol.did })], 4, /not registered/);
      const replayed = { op: 'document', did: alice.did, document: identityDocumentToJson(aliceDoc), at: ISSUED_AT };
      await assertCorrupt([...good, JSON.stringify(replayed)], 5, /sequence 1 is not larger than the previous 1/);
    });

    it('never truncates a file that is not a registry', async () => {
      for (const text of ['hello world', '{"some":"json"}\npartial', '#!/bin/sh\n']) {
        const path = freshPath();
        writeFileSync(path, text);
        const registry = openRegistry(path);
        assert.equal(codeOf(await registry.load()), 'REGISTRY_CORRUPT');
        assert.equal(readFileSync(path, 'utf8'), text);
        await registry.close();
      }
    });
  });

  describe('compaction', () => {
    it('rewrites the log as the current state, which a reopen sees unchanged', async () => {
      const path = freshPath();
      const registry = openRegistry(path);
      for (const document of [aliceDoc, bobDoc, carolDoc]) value(await registry.register({ document, scopes: [] }));
      for (let index = 0; index < 10; index += 1) value(await registry.setScopes(alice.did, [`s${index}`]));
      value(await registry.updateDocument(await documentOf(bob, 2, ['signed', 'v1', 'v2', 'v3'])));
      value(await registry.revoke(carol.did, { reason: 'gone' }));
      const before = await plainList(registry);

      assert.deepEqual(value(await registry.compact()), { records: 4, removed: 11 });
      assert.deepEqual(
        lines(path).map((line) => JSON.parse(line).op),
        [undefined, 'register', 'register', 'register', 'revoke'],
      );
      assert.equal(existsSync(`${path}.tmp`), false);
      assert.deepEqual(await plainList(registry), before);

      // Writes after a compaction go to the new file.
      const dave = await newIdentity();
      value(await registry.register({ document: await documentOf(dave), scopes: ['d'] }));
      const expected = await plainList(registry);
      await registry.close();

      const reopened = openRegistry(path);
      assert.deepEqual(value(await reopened.load()), { records: 5, tornTail: null });
      assert.deepEqual(await plainList(reopened), expected);
      assert.equal(
        codeOf(await reopened.updateDocument(await documentOf(bob, 2))),
        'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
      );
      await reopened.close();
    });

    it('serialises compaction with concurrent changes', async () => {
      const path = await baseFile();
      const registry = openRegistry(path);
      const dave = await newIdentity();
      const daveDoc = await documentOf(dave);
      const results = await Promise.all([
        registry.setScopes(alice.did, ['1']),
        registry.compact(),
        registry.setScopes(alice.did, ['2']),
        registry.register({ document: daveDoc, scopes: ['d'] }),
        registry.compact(),
        registry.revoke(bob.did, { reason: 'r' }),
        registry.setScopes(bob.did, ['3']),
      ]);
      for (const result of results) value<unknown>(result);
      const expected = await plainList(registry);
      assert.deepEqual(value(await registry.resolve(alice.did)).scopes, ['2']);
      assert.deepEqual(value(await registry.resolve(bob.did)).scopes, ['3']);
      await registry.close();

      const reopened = openRegistry(path);
      assert.deepEqual(value(await reopened.load()), { records: 5, tornTail: null });
      assert.deepEqual(await plainList(reopened), expected);
      await reopened.close();
    });

    it('keeps the old file and keeps working when the rewrite fails', async () => {
      const path = await baseFile();
      const original = readFileSync(path);
      mkdirSync(`${path}.tmp`);
      const registry = openRegistry(path);
      assert.equal(codeOf(await registry.compact()), 'REGISTRY_IO_FAILED');
      assert.deepEqual(readFileSync(path), original);
      value(await registry.register({ document: carolDoc, scopes: [] }));
      await registry.close();
      const reopened = openRegistry(path);
      assert.deepEqual(value(await reopened.load()), { records: 3, tornTail: null });
      await reopened.close();
    });
  });

  describe('failing I/O', () => {
    it('reports REGISTRY_IO_FAILED when the file cannot be opened', async () => {
      const notADirectory = freshPath();
      writeFileSync(notADirectory, 'a regular file');
      const registry = openRegistry(join(notADirectory, 'trust.jsonl'));
      const loaded = await registry.load();
      assert.equal(codeOf(loaded), 'REGISTRY_IO_FAILED');
      assert.ok(!loaded.ok);
      assert.match(loaded.error.message, /ENOTDIR/);
      assert.equal(codeOf(await registry.register({ document: aliceDoc, scopes: [] })), 'REGISTRY_IO_FAILED');
      await assert.rejects(registry.list(), { code: 'REGISTRY_IO_FAILED' });
      await registry.close();
    });

    it('refuses a change it cannot write and leaves the registry as it was', async () => {
      const path = await baseFile();
      const registry = openRegistry(path);
      value(await registry.compact());
      // The next append reopens the file, which is gone: no silent fresh start.
      unlinkSync(path);
      assert.equal(codeOf(await registry.register({ document: carolDoc, scopes: [] })), 'REGISTRY_IO_FAILED');
      assert.equal(codeOf(await registry.setScopes(alice.did, ['changed'])), 'REGISTRY_IO_FAILED');
      assert.equal(codeOf(await registry.revoke(bob.did, { reason: 'r' })), 'REGISTRY_IO_FAILED');
      assert.equal(codeOf(await registry.resolve(carol.did)), 'DID_NOT_IN_REGISTRY');
      assert.deepEqual(value(await registry.resolve(alice.did)).scopes, ['a']);
      assert.equal(value(await registry.resolve(bob.did)).revoked, undefined);
      assert.equal(existsSync(path), false);
      await registry.close();
    });

    it('cuts a partial write (file size limit) so the next append and a reopen see clean records', async () => {
      // Record sizes are fixed for a fixed clock, scopes and document kind: measure them here.
      const sample = freshPath();
      const sampler = openRegistry(sample);
      value(await sampler.load());
      const header = statSync(sample).size;
      value(await sampler.register({ document: bobDoc, scopes: ['s'] }));
      const big = statSync(sample).size - header;
      value(await sampler.register({ document: aliceDoc, scopes: ['s'] }));
      const small = statSync(sample).size - header - big;
      await sampler.close();
      const limitKiB = Math.ceil((header + 2 * big + small) / 1024);
      assert.ok(limitKiB * 1024 - header - 2 * big < big, 'the third big record must not fit');

      const path = freshPath();
      const outcome = JSON.parse(await runChild(sizeLimitScript, path, limitKiB)) as {
        code: string;
        resolved: boolean;
        size: number;
      }[];
      assert.deepEqual(
        outcome.map(({ code, resolved }) => [code, resolved]),
        [
          ['ok', true],
          ['ok', true],
          ['REGISTRY_IO_FAILED', false],
          ['ok', true],
        ],
      );
      assert.deepEqual(
        outcome.map(({ size }) => size),
        [header + big, header + 2 * big, header + 2 * big, header + 2 * big + small],
      );
      const reopened = openRegistry(path);
      assert.deepEqual(value(await reopened.load()), { records: 3, tornTail: null });
      await reopened.close();
    });
  });
});

// ------------------------------------------------------------ child processes

const source = (path: string): string => new URL(`src/${path}`, `file://${root}`).href;

/** Imports and a cheap identity maker: a new Ed25519 key per call, the other keys shared (registration checks only signatures). */
const childPrelude = `
import { statSync } from 'node:fs';
import { createNodeCrypto } from '${source('crypto/node/index.ts')}';
import { generateIdentity } from '${source('identity/derive.ts')}';
import { didFromEd25519PublicKey } from '${source('identity/did.ts')}';
import { createIdentityDocument } from '${source('identity/document.ts')}';
import { FileTrustRegistry } from '${source('registry/node/index.ts')}';
const path = process.env.XLINK_REGISTRY_PATH;
const crypto = createNodeCrypto();
const template = (await generateIdentity({ crypto })).value;
async function nextDocument(versions) {
  const secretKey = crypto.randomBytes(32);
  const publicKey = await crypto.ed25519PublicKey(secretKey);
  const identity = { ...template, did: didFromEd25519PublicKey(publicKey), ed25519: { publicKey, secretKey } };
  return createIdentityDocument(identity, { crypto, versions, sequence: 1, issuedAt: ${ISSUED_AT} });
}
`;

const killScript = `${childPrelude}
const registry = new FileTrustRegistry({ path, crypto });
if (!(await registry.load()).ok) process.exit(2);
process.stdout.write('ready\\n');
for (let index = 0; index < 100000; index += 1) {
  const result = await registry.register({ document: await nextDocument(['signed', 'v1', 'v2']), scopes: ['telemetry'], name: 'kill-' + index });
  if (!result.ok) { process.stderr.write(result.error.code); process.exit(3); }
  process.stdout.write(result.value.did + '\\n');
}
`;

const sizeLimitScript = `${childPrelude}
const registry = new FileTrustRegistry({ path, crypto, clock: { now: () => ${ISSUED_AT} } });
const big = ['signed', 'v1', 'v2', 'v3'];
const outcome = [];
for (const versions of [big, big, big, ['signed', 'v1', 'v2']]) {
  const document = await nextDocument(versions);
  const result = await registry.register({ document, scopes: ['s'] });
  const did = result.ok ? result.value.did : null;
  const resolved = did !== null && (await registry.resolve(did)).ok;
  outcome.push({ code: result.ok ? 'ok' : result.error.code, resolved, size: statSync(path).size });
}
console.log(JSON.stringify(outcome));
`;

function spawnChild(script: string, path: string, fileSizeLimitKiB?: number): ReturnType<typeof spawn> {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
  const env = { ...process.env, XLINK_REGISTRY_PATH: path };
  if (fileSizeLimitKiB === undefined) return spawn(node[0] as string, node.slice(1), { cwd: root, env });
  // bash counts ulimit -f in KiB; Node ignores SIGXFSZ, so the write fails with EFBIG instead of killing.
  return spawn('bash', ['-c', `ulimit -f ${fileSizeLimitKiB} && exec "$0" "$@"`, ...node], { cwd: root, env });
}

async function runChild(script: string, path: string, fileSizeLimitKiB: number): Promise<string> {
  const child = spawnChild(script, path, fileSizeLimitKiB);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'close');
  assert.equal(code, 0, stderr);
  return stdout;
}

/** DIDs the child printed as acknowledged (complete lines only) before SIGKILL, `delay` ms after it was ready. */
async function killWhileRegistering(path: string, delay: number): Promise<string[]> {
  const child = spawnChild(killScript, path);
  let stdout = '';
  let stderr = '';
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) ready();
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const closed = once(child, 'close');
  await Promise.race([isReady, closed.then(() => assert.fail(`child exited early: ${stderr}`))]);
  await sleep(delay);
  child.kill('SIGKILL');
  const [, signal] = await closed;
  assert.equal(signal, 'SIGKILL', `the child must die mid-run, not finish: ${stderr}`);
  const complete = stdout.slice('ready\n'.length, stdout.lastIndexOf('\n') + 1);
  return complete.split('\n').filter((line) => line.length > 0);
}
