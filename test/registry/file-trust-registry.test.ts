import assert from 'node:assert/strict';
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
import type { ErrorCode } from '../../src/errors.js';
import type { Identity } from '../../src/identity/derive.js';
import { identityDocumentToJson, type SignedIdentityDocument } from '../../src/identity/document.js';
import type { Clock } from '../../src/platform/clock.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { FileTrustRegistry } from '../../src/registry/node/index.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { registryChildPrelude, runNode, spawnNode, waitForLine } from '../helpers/node-child.js';
import {
  codeOf,
  crypto,
  documentOf,
  ISSUED_AT,
  newIdentity,
  plain,
  runTrustRegistryContract,
  value,
} from './trust-registry-contract.js';

const HEADER = '{"format":"xlink-trust-registry","version":3}';
const POLL_MS = 1000;

let scratch = '';
let counter = 0;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'xlink-registry-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function freshPath(): string {
  counter += 1;
  return join(scratch, `trust-${counter}.log`);
}

function openRegistry(
  path: string,
  options: { clock?: Clock; crypto?: CryptoProvider } = {},
): Promise<FileTrustRegistry> {
  return FileTrustRegistry.open({ path, crypto, clock: new VirtualClock(ISSUED_AT), ...options });
}

function createRegistry(
  path: string,
  options: { clock?: Clock; crypto?: CryptoProvider } = {},
): Promise<FileTrustRegistry> {
  return FileTrustRegistry.create({ path, crypto, clock: new VirtualClock(ISSUED_AT), ...options });
}

/** A follower on virtual time: `poll()` fires its backstop timer, so tests need no watch events. */
async function follow(path: string): Promise<{ reader: FileTrustRegistry; poll: () => void }> {
  const timer = new VirtualClock();
  const reader = await FileTrustRegistry.open({ path, crypto, readOnly: true, timer, pollIntervalMs: POLL_MS });
  return { reader, poll: () => timer.advance(POLL_MS) };
}

/** The payloads of the file's records, the header first. */
function payloads(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => line.slice(9));
}

/** Writes `records` as a registry file, each line with its correct checksum, as someone with write access could. */
function writeRecords(path: string, records: readonly string[]): void {
  writeFileSync(path, records.map(logLine).join(''));
}

async function plainList(registry: TrustRegistry): Promise<Record<string, unknown>[]> {
  return (await registry.list()).map(plain);
}

async function rejectsWith(opening: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(opening, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message ?? '', message);
    return true;
  });
}

runTrustRegistryContract('FileTrustRegistry', (context) =>
  createRegistry(freshPath(), { clock: context.clock, crypto: context.crypto ?? crypto }),
);

/**
 * The contract through a follower: changes go to the writer, every lookup to
 * a read-only registry on the same file, polled first so that it has read
 * what the writer acknowledged.
 */
runTrustRegistryContract('FileTrustRegistry (read-only follower)', async (context) => {
  const path = freshPath();
  const writer = await createRegistry(path, { clock: context.clock, crypto: context.crypto ?? crypto });
  const timer = new VirtualClock();
  const reader = await FileTrustRegistry.open({
    path,
    crypto: context.crypto ?? crypto,
    readOnly: true,
    timer,
    pollIntervalMs: POLL_MS,
  });
  const fresh = <T>(lookup: () => Promise<T>): Promise<T> => {
    timer.advance(POLL_MS);
    return lookup();
  };
  return {
    register: (input) => writer.register(input),
    updateDocument: (document) => writer.updateDocument(document),
    setScopes: (did, scopes) => writer.setScopes(did, scopes),
    revoke: (did, revocation) => writer.revoke(did, revocation),
    resolve: (did) => fresh(() => reader.resolve(did)),
    resolveKid: (kid) => fresh(() => reader.resolveKid(kid)),
    list: () => fresh(() => reader.list()),
    close: async () => {
      await reader.close();
      await writer.close();
    },
  };
});

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
    const registry = await createRegistry(path);
    value(await registry.register({ document: aliceDoc, scopes: ['a'], name: 'alice' }));
    value(await registry.register({ document: bobDoc, scopes: ['b'] }));
    await registry.close();
    return path;
  }

  describe('creation and persistence', () => {
    it('creates the file with its header and keeps every change across a reopen', async () => {
      const path = freshPath();
      const clock = new VirtualClock(ISSUED_AT);
      const registry = await createRegistry(path, { clock });
      assert.deepEqual(registry.loaded, { records: 0, tornTail: null });
      assert.equal(readFileSync(path, 'utf8'), logLine(HEADER));

      value(await registry.register({ document: aliceDoc, scopes: ['telemetry'], name: 'Sensör 🚀' }));
      clock.advance(1);
      value(await registry.register({ document: bobDoc, scopes: ['*'] }));
      clock.advance(1);
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

      const records = payloads(path);
      assert.equal(records[0], HEADER);
      assert.deepEqual(
        records.slice(1).map((line) => JSON.parse(line).op),
        ['register', 'register', 'document', 'scopes', 'revoke'],
      );
      const reopened = await openRegistry(path);
      assert.deepEqual(reopened.loaded, { records: 5, tornTail: null });
      assert.deepEqual(await plainList(reopened), expected);
      await reopened.close();
    });

    it('creates only a new file, and opens only one it created', async () => {
      const path = freshPath();
      await rejectsWith(openRegistry(path), 'REGISTRY_MISSING', /does not exist/);
      await rejectsWith(FileTrustRegistry.open({ path, crypto, readOnly: true }), 'REGISTRY_MISSING');
      assert.equal(existsSync(path), false, 'open created nothing');
      await (await createRegistry(path)).close();
      await rejectsWith(createRegistry(path), 'REGISTRY_EXISTS');
      const empty = freshPath();
      writeFileSync(empty, '');
      await rejectsWith(createRegistry(empty), 'REGISTRY_EXISTS');
      await rejectsWith(openRegistry(empty), 'REGISTRY_MISSING', /is empty/);
      await rejectsWith(FileTrustRegistry.create({ path: freshPath(), crypto, readOnly: true }), 'INVALID_ARGUMENT');
    });

    it('checks updates after a reopen against the stored document, verified on first use', async () => {
      const path = await baseFile();
      const registry = await openRegistry(path);
      assert.equal((await registry.list())[0]?.identity, undefined, 'not verified on open');
      value(await registry.updateDocument(await documentOf(alice, 2)));
      await registry.close();
      const reopened = await openRegistry(path);
      assert.equal(
        codeOf(await reopened.updateDocument(await documentOf(alice, 2))),
        'IDENTITY_DOCUMENT_INVALID:SEQUENCE',
      );
      value(await reopened.updateDocument(await documentOf(alice, 3)));
      assert.equal(value(await reopened.resolve(bob.did)).identity?.did, bob.did, 'verified when resolved');
      await reopened.close();
    });

    it('refuses on first resolve a stored document that does not verify: REGISTRY_CORRUPT naming the DID', async () => {
      const path = await baseFile();
      const records = payloads(path);
      const record = JSON.parse(records[1] as string);
      // Bob's signature on Alice's body: a well-formed record, checksummed, that only verification catches.
      record.document = { ...record.document, signature: identityDocumentToJson(bobDoc).signature };
      writeRecords(path, [records[0] as string, JSON.stringify(record), records[2] as string]);
      const registry = await openRegistry(path);
      const resolved = await registry.resolve(alice.did);
      assert.equal(codeOf(resolved), 'REGISTRY_CORRUPT');
      assert.ok(!resolved.ok && resolved.error.message.includes(`"${alice.did}"`), 'the message names the DID');
      assert.equal(value(await registry.resolve(bob.did)).did, bob.did, 'the other entries stay usable');
      await registry.close();
    });
  });

  describe('crash in the middle of a write', () => {
    it('drops an unterminated last line wherever the write was cut, reports it, and appends cleanly after it', async () => {
      const base = await baseFile();
      const baseBytes = readFileSync(base);
      // The full file as it would be had the write of Carol's record completed.
      const complete = freshPath();
      copyFileSync(base, complete);
      const writer = await openRegistry(complete);
      value(await writer.register({ document: carolDoc, scopes: ['c'], name: 'Sensör 🚀' }));
      await writer.close();
      const completeBytes = readFileSync(complete);
      const record = completeBytes.subarray(baseBytes.length);
      assert.equal(record.at(-1), 0x0a);

      const insideTwoByte = record.indexOf(Buffer.from('ö')) + 1;
      const insideFourByte = record.indexOf(Buffer.from('🚀')) + 2;
      assert.ok(insideTwoByte > 0 && insideFourByte > 1);
      const cuts = [1, 9, Math.floor(record.length / 2), insideTwoByte, insideFourByte, record.length - 1];
      for (const cut of cuts) {
        const path = freshPath();
        writeFileSync(path, Buffer.concat([baseBytes, record.subarray(0, cut)]));
        const registry = await openRegistry(path);
        assert.deepEqual(registry.loaded, { records: 2, tornTail: { line: 4, bytes: cut } }, `cut at ${cut}`);
        assert.equal(statSync(path).size, baseBytes.length, 'the torn bytes are truncated away');
        assert.equal(value(await registry.resolve(alice.did)).name, 'alice');
        assert.equal(codeOf(await registry.resolve(carol.did)), 'DID_NOT_IN_REGISTRY');

        value(await registry.register({ document: carolDoc, scopes: ['c'], name: 'Sensör 🚀' }));
        await registry.close();
        assert.deepEqual(readFileSync(path), completeBytes, `cut at ${cut}: the retry lands where the torn one began`);
        const reopened = await openRegistry(path);
        assert.deepEqual(reopened.loaded, { records: 3, tornTail: null });
        await reopened.close();
      }
    });

    it('refuses a garbled last line that ends in its newline: that is damage, not a crash (REGISTRY_CORRUPT)', async () => {
      const path = await baseFile();
      const registry = await openRegistry(path);
      value(await registry.revoke(alice.did, { reason: 'stolen' }));
      await registry.close();
      const text = readFileSync(path, 'utf8');
      // One character of the revocation changed: it would have un-revoked Alice had it been dropped as torn.
      const garbled = `${text.slice(0, -20)}${text.at(-20) === 'x' ? 'y' : 'x'}${text.slice(-19)}`;
      writeFileSync(path, garbled);
      await rejectsWith(openRegistry(path), 'REGISTRY_CORRUPT', /line 4 is damaged/);
      await rejectsWith(FileTrustRegistry.open({ path, crypto, readOnly: true }), 'REGISTRY_CORRUPT');
      appendFileSync(path, '\0\0\0\0\n');
      await rejectsWith(openRegistry(path), 'REGISTRY_CORRUPT');
      assert.equal(readFileSync(path, 'utf8'), `${garbled}\0\0\0\0\n`, 'a corrupt file is never written');
    });

    it('keeps every acknowledged registration when the writer is killed at a random moment', async () => {
      for (let run = 0; run < 2; run += 1) {
        const path = freshPath();
        await (await createRegistry(path)).close();
        const delay = 150 + Math.floor(Math.random() * 300);
        const acknowledged = await killWhileRegistering(path, delay);
        const context = `run ${run}: killed after ${delay} ms, ${acknowledged.length} acknowledged`;
        assert.ok(acknowledged.length > 0, context);

        // The dead writer's lock is taken over: same host, its pid is gone.
        const registry = await openRegistry(path);
        for (const did of acknowledged) assert.equal(value(await registry.resolve(did)).did, did, context);
        // At most one record was written but not yet acknowledged when the kill came.
        const count = (await registry.list()).length;
        assert.ok(count === acknowledged.length || count === acknowledged.length + 1, `${context}, ${count} on disk`);
        assert.equal(registry.loaded.records, count);
        await registry.close();
      }
    });
  });

  describe('damage', () => {
    /** The base file plus a scopes record for Alice: header and three records. */
    async function threeRecords(): Promise<string[]> {
      const path = await baseFile();
      const registry = await openRegistry(path);
      value(await registry.setScopes(alice.did, ['z']));
      await registry.close();
      return payloads(path);
    }

    async function assertCorrupt(records: string[], line: number, message: RegExp): Promise<void> {
      const path = freshPath();
      writeRecords(path, records);
      const text = readFileSync(path, 'utf8');
      await rejectsWith(openRegistry(path), 'REGISTRY_CORRUPT', new RegExp(`line ${line}[: ]`));
      await rejectsWith(openRegistry(path), 'REGISTRY_CORRUPT', message);
      assert.equal(readFileSync(path, 'utf8'), text, 'a corrupt file is never written');
    }

    it('refuses a record that breaks a rule, naming the line, even with its checksum right', async () => {
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
      const last = JSON.parse(good[3] as string);
      await assertCorrupt([...good.slice(0, 3), JSON.stringify({ ...last, did: carol.did })], 4, /not registered/);
      const replayed = { op: 'document', did: alice.did, document: identityDocumentToJson(aliceDoc), at: ISSUED_AT };
      await assertCorrupt([...good, JSON.stringify(replayed)], 5, /sequence 1 is not larger than the previous 1/);
    });

    it('refuses, and never writes, a file that is not a registry of this version', async () => {
      const v1 = `${HEADER.replace('3}', '1}')}\n`;
      for (const text of [
        'hello world',
        '{"some":"json"}\npartial',
        '#!/bin/sh\n',
        v1,
        logLine(HEADER.replace('3}', '1}')),
      ]) {
        const path = freshPath();
        writeFileSync(path, text);
        await rejectsWith(openRegistry(path), 'REGISTRY_CORRUPT');
        assert.equal(readFileSync(path, 'utf8'), text);
      }
      const path = freshPath();
      writeFileSync(path, v1);
      await rejectsWith(
        openRegistry(path),
        'REGISTRY_CORRUPT',
        /not a trust registry of this version: its first line is/,
      );
    });
  });

  describe('compaction', () => {
    it('rewrites the log as the current state, which a reopen sees unchanged', async () => {
      const path = freshPath();
      const registry = await createRegistry(path);
      for (const document of [aliceDoc, bobDoc, carolDoc]) value(await registry.register({ document, scopes: [] }));
      for (let index = 0; index < 10; index += 1) value(await registry.setScopes(alice.did, [`s${index}`]));
      value(await registry.updateDocument(await documentOf(bob, 2, ['signed', 'v1', 'v2', 'v3'])));
      value(await registry.revoke(carol.did, { reason: 'gone' }));
      const before = await plainList(registry);

      assert.deepEqual(value(await registry.compact()), { records: 3, removed: 12 });
      // One record per entry: a revoked entry's registration carries its revocation.
      assert.deepEqual(
        payloads(path).map((line) => [JSON.parse(line).op, JSON.parse(line).revoked?.reason]),
        [
          [undefined, undefined],
          ['register', undefined],
          ['register', undefined],
          ['register', 'gone'],
        ],
      );
      assert.equal(existsSync(`${path}.tmp`), false);
      assert.deepEqual(await plainList(registry), before);

      // Writes after a compaction go to the new file.
      const dave = await newIdentity();
      value(await registry.register({ document: await documentOf(dave), scopes: ['d'] }));
      const expected = await plainList(registry);
      await registry.close();

      const reopened = await openRegistry(path);
      assert.deepEqual(reopened.loaded, { records: 4, tornTail: null });
      assert.deepEqual(await plainList(reopened), expected);
      await reopened.close();
    });

    it('serialises compaction with concurrent changes', async () => {
      const path = await baseFile();
      const registry = await openRegistry(path);
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
      await registry.close();

      const reopened = await openRegistry(path);
      assert.deepEqual(reopened.loaded, { records: 5, tornTail: null });
      assert.deepEqual(await plainList(reopened), expected);
      await reopened.close();
    });

    it('keeps the old file and keeps working when the rewrite fails', async () => {
      const path = await baseFile();
      const original = readFileSync(path);
      mkdirSync(`${path}.tmp`);
      const registry = await openRegistry(path);
      assert.equal(codeOf(await registry.compact()), 'REGISTRY_IO_FAILED');
      assert.deepEqual(readFileSync(path), original);
      value(await registry.register({ document: carolDoc, scopes: [] }));
      await registry.close();
      const reopened = await openRegistry(path);
      assert.deepEqual(reopened.loaded, { records: 3, tornTail: null });
      await reopened.close();
    });
  });

  describe('failing I/O', () => {
    it('reports REGISTRY_IO_FAILED when the file cannot be opened', async () => {
      const notADirectory = freshPath();
      writeFileSync(notADirectory, 'a regular file');
      await rejectsWith(createRegistry(join(notADirectory, 'trust.log')), 'REGISTRY_IO_FAILED', /ENOTDIR/);
    });

    it('refuses changes once its file was deleted, instead of acknowledging them into a deleted file', async () => {
      const path = await baseFile();
      const registry = await openRegistry(path);
      unlinkSync(path);
      assert.equal(codeOf(await registry.register({ document: carolDoc, scopes: [] })), 'REGISTRY_MISSING');
      assert.equal(codeOf(await registry.revoke(bob.did, { reason: 'r' })), 'REGISTRY_MISSING');
      assert.equal(codeOf(await registry.resolve(carol.did)), 'DID_NOT_IN_REGISTRY');
      assert.equal(value(await registry.resolve(bob.did)).revoked, undefined);
      await registry.close();
      await rejectsWith(openRegistry(path), 'REGISTRY_MISSING');
    });

    it('cuts a partial write (file size limit) so the next append and a reopen see clean records', async () => {
      // Record sizes are fixed for a fixed clock, scopes and document kind: measure them here.
      const sample = freshPath();
      const sampler = await createRegistry(sample);
      const header = statSync(sample).size;
      value(await sampler.register({ document: bobDoc, scopes: ['s'] }));
      const big = statSync(sample).size - header;
      value(await sampler.register({ document: aliceDoc, scopes: ['s'] }));
      const small = statSync(sample).size - header - big;
      await sampler.close();
      const limitKiB = Math.ceil((header + 2 * big + small) / 1024);
      assert.ok(limitKiB * 1024 - header - 2 * big < big, 'the third big record must not fit');

      const path = freshPath();
      await (await createRegistry(path)).close();
      const outcome = JSON.parse(
        await runNode(sizeLimitScript, { XLINK_REGISTRY_PATH: path }, { fileSizeLimitKiB: limitKiB }),
      ) as {
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
      const reopened = await openRegistry(path);
      assert.deepEqual(reopened.loaded, { records: 3, tornTail: null });
      await reopened.close();
    });
  });

  describe('one writer, and readers that follow it', () => {
    it('refuses a second writer, naming the holder; a reader needs no lock', async () => {
      const path = await baseFile();
      const writer = await openRegistry(path);
      await rejectsWith(openRegistry(path), 'REGISTRY_LOCKED', new RegExp(`pid ${process.pid} `));
      const { reader } = await follow(path);
      assert.equal(value(await reader.resolve(alice.did)).name, 'alice');
      await reader.close();
      await writer.close();
      await (await openRegistry(path)).close();
    });

    it('applies what the writer appends, revocations included, and refuses changes itself', async () => {
      const path = await baseFile();
      const writer = await openRegistry(path);
      const { reader, poll } = await follow(path);
      assert.equal(reader.readOnly, true);
      value(await writer.register({ document: carolDoc, scopes: ['c'] }));
      value(await writer.revoke(alice.did, { reason: 'stolen' }));
      poll();
      assert.equal(value(await reader.resolve(alice.did)).revoked?.reason, 'stolen');
      assert.equal(value(await reader.resolveKid(value(await writer.resolve(carol.did)).kid)).did, carol.did);
      for (const refused of [
        await reader.register({ document: await documentOf(await newIdentity()), scopes: [] }),
        await reader.revoke(bob.did, { reason: 'r' }),
        await reader.setScopes(bob.did, []),
        await reader.updateDocument(await documentOf(bob, 2)),
        await reader.compact(),
      ]) {
        assert.equal(codeOf(refused), 'REGISTRY_READ_ONLY');
      }
      await reader.close();
      await writer.close();
    });

    it('reads the whole file again after the writer compacted it, and keeps up after that', async () => {
      const path = await baseFile();
      const writer = await openRegistry(path);
      const { reader, poll } = await follow(path);
      value(await writer.revoke(bob.did, { reason: 'r' }));
      value(await writer.compact());
      value(await writer.setScopes(alice.did, ['after']));
      poll();
      assert.equal(value(await reader.resolve(bob.did)).revoked?.reason, 'r');
      assert.deepEqual(value(await reader.resolve(alice.did)).scopes, ['after']);
      value(await writer.register({ document: carolDoc, scopes: [] }));
      poll();
      assert.deepEqual(await plainList(reader), await plainList(writer));
      await reader.close();
      await writer.close();
    });

    it('notices an append through fs.watch, without its poll', async () => {
      const path = await baseFile();
      const writer = await openRegistry(path);
      const { reader } = await follow(path); // its poll never fires: virtual time does not move
      value(await writer.revoke(alice.did, { reason: 'watched' }));
      const deadline = Date.now() + 5000;
      while (value(await reader.resolve(alice.did)).revoked === undefined && Date.now() < deadline) await sleep(5);
      assert.equal(value(await reader.resolve(alice.did)).revoked?.reason, 'watched');
      await reader.close();
      await writer.close();
    });

    it('refuses lookups while its file is missing or damaged, and recovers once it is readable again', async () => {
      const path = await baseFile();
      const { reader, poll } = await follow(path);
      const saved = readFileSync(path);
      unlinkSync(path);
      poll();
      assert.equal(codeOf(await reader.resolve(alice.did)), 'REGISTRY_MISSING');
      await rejectsWith(reader.list(), 'REGISTRY_MISSING');
      writeFileSync(path, saved);
      appendFileSync(path, 'garbage that ends in a newline\n');
      poll();
      assert.equal(codeOf(await reader.resolve(alice.did)), 'REGISTRY_CORRUPT');
      writeFileSync(path, saved);
      poll();
      assert.equal(value(await reader.resolve(alice.did)).name, 'alice');
      await reader.close();
    });
  });
});

// ------------------------------------------------------------ child processes

const childPrelude = registryChildPrelude(ISSUED_AT);

const killScript = `${childPrelude}
const registry = await FileTrustRegistry.open({ path, crypto });
process.stdout.write('ready\\n');
for (let index = 0; index < 100000; index += 1) {
  const result = await registry.register({ document: await nextDocument(['signed', 'v1', 'v2']), scopes: ['telemetry'], name: 'kill-' + index });
  if (!result.ok) { process.stderr.write(result.error.code); process.exit(3); }
  process.stdout.write(result.value.did + '\\n');
}
`;

const sizeLimitScript = `${childPrelude}
const registry = await FileTrustRegistry.open({ path, crypto, clock: { now: () => ${ISSUED_AT} } });
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

/** DIDs the child printed as acknowledged (complete lines only) before SIGKILL, `delay` ms after it was ready. */
async function killWhileRegistering(path: string, delay: number): Promise<string[]> {
  const child = spawnNode(killScript, { XLINK_REGISTRY_PATH: path });
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  const closed = once(child, 'close');
  await waitForLine(child, 'ready');
  await sleep(delay);
  child.kill('SIGKILL');
  const [, signal] = await closed;
  assert.equal(signal, 'SIGKILL', 'the child must die mid-run, not finish');
  const complete = stdout.slice(stdout.indexOf('ready\n') + 'ready\n'.length, stdout.lastIndexOf('\n') + 1);
  return complete.split('\n').filter((line) => line.length > 0);
}
