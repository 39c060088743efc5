import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signingKeyFromSeed } from '../../src/identity/derive.js';
import { didFromEd25519PublicKey } from '../../src/identity/did.js';
import { verifyMessage } from '../../src/identity/signature.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import { authorisationBytes, type RegistryOperator } from '../../src/registry/authorisation.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import { FileTrustRegistry } from '../../src/registry/node/index.js';
import { createRegistrySnapshot, verifyRegistrySnapshot } from '../../src/registry/snapshot.js';
import { codeOf, crypto, documentOf, ISSUED_AT, newIdentity, value } from './trust-registry-contract.js';

const scratch = mkdtempSync(join(tmpdir(), 'xlink-operator-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(scratch, `registry-${++files}.log`);

async function newOperator(): Promise<Required<RegistryOperator>> {
  const key = value(await signingKeyFromSeed(new Uint8Array(randomBytes(32)), { crypto }));
  return { did: didFromEd25519PublicKey(key.signer.publicKey), signer: key.signer };
}

/** The payloads of a registry file, header first. */
function payloads(path: string): string[] {
  return readFileSync(path, 'utf8')
    .slice(0, -1)
    .split('\n')
    .map((line) => line.slice(9));
}

/** Rewrites a registry file from payloads, with valid CRCs: what someone editing the file would do. */
function writePayloads(path: string, lines: readonly string[]): void {
  writeFileSync(path, lines.map((line) => logLine(line)).join(''));
}

describe('operator-signed registry entries', () => {
  it('signs every change: sequence 1 on registration, one more per scope change or revocation', async () => {
    const operator = await newOperator();
    const registry = new MemoryTrustRegistry({ crypto, clock: new VirtualClock(ISSUED_AT), operator });
    const alice = await newIdentity();
    const added = value(await registry.register({ document: await documentOf(alice), scopes: ['telemetry'] }));
    assert.equal(added.authorisation?.sequence, 1);
    const scoped = value(await registry.setScopes(alice.did, ['telemetry', 'status']));
    assert.equal(scoped.authorisation?.sequence, 2);
    const revoked = value(await registry.revoke(alice.did, { reason: 'stolen' }));
    assert.equal(revoked.authorisation?.sequence, 3);
    // The signature is the operator's over exactly the state the entry states.
    const stateOf = (entry: typeof revoked) => ({
      did: entry.did,
      scopes: entry.scopes,
      revoked: entry.revoked,
      sequence: entry.authorisation?.sequence as number,
      at: entry.authorisation?.at as number,
    });
    const bytes = authorisationBytes(stateOf(revoked));
    const signature = revoked.authorisation?.signature as Uint8Array;
    assert.ok((await verifyMessage(operator.did, bytes, signature, { crypto })).ok);
    const widened = authorisationBytes({ ...stateOf(revoked), scopes: ['*'] });
    assert.equal((await verifyMessage(operator.did, widened, signature, { crypto })).ok, false);
    assert.ok(value(await registry.resolve(alice.did)).revoked);
  });

  it('refuses changes when it can check signatures but holds no operator key', async () => {
    const operator = await newOperator();
    const registry = new MemoryTrustRegistry({ crypto, operator: { did: operator.did } });
    const bob = await newIdentity();
    assert.equal(
      codeOf(await registry.register({ document: await documentOf(bob), scopes: [] })),
      'REGISTRY_NOT_AUTHORISED',
    );
    assert.deepEqual(await registry.list(), []);
  });

  it('refuses an operator whose signer is another key', async () => {
    const one = await newOperator();
    const other = await newOperator();
    assert.throws(
      () => new MemoryTrustRegistry({ crypto, operator: { did: one.did, signer: other.signer } }),
      (error: { code?: string }) => error.code === 'INVALID_ARGUMENT',
    );
  });

  it('a file it signed reopens, and a follower that knows only the operator DID accepts it', async () => {
    const operator = await newOperator();
    const path = freshPath();
    const writer = await FileTrustRegistry.create({ path, crypto, operator });
    const alice = await newIdentity();
    const bob = await newIdentity();
    value(await writer.register({ document: await documentOf(alice), scopes: ['telemetry'], name: 'a' }));
    value(await writer.register({ document: await documentOf(bob), scopes: ['telemetry'] }));
    value(await writer.revoke(bob.did, { reason: 'returned' }));
    const reader = await FileTrustRegistry.open({ path, crypto, readOnly: true, operator: { did: operator.did } });
    assert.equal(value(await reader.resolve(alice.did)).scopes[0], 'telemetry');
    assert.equal(value(await reader.resolve(bob.did)).revoked?.reason, 'returned');
    await reader.close();
    // Compaction keeps every entry signed, the revoked one too.
    value(await writer.compact());
    await writer.close();
    const reopened = await FileTrustRegistry.open({ path, crypto, operator: { did: operator.did } });
    value(await reopened.resolve(alice.did));
    assert.equal(value(await reopened.resolve(bob.did)).revoked?.reason, 'returned');
    await reopened.close();
  });
});

describe('attacks on a signed registry file', () => {
  async function signedFile(): Promise<{
    path: string;
    operator: Required<RegistryOperator>;
    dids: string[];
    kids: Uint8Array[];
  }> {
    const operator = await newOperator();
    const path = freshPath();
    const writer = await FileTrustRegistry.create({ path, crypto, operator });
    const dids: string[] = [];
    const kids: Uint8Array[] = [];
    for (const scopes of [['telemetry'], ['status']]) {
      const identity = await newIdentity();
      const entry = value(await writer.register({ document: await documentOf(identity), scopes }));
      dids.push(entry.did);
      kids.push(entry.kid);
    }
    value(await writer.revoke(dids[1] as string, { reason: 'stolen' }));
    await writer.close();
    return { path, operator, dids, kids };
  }

  const openChecked = (path: string, did: string): Promise<FileTrustRegistry> =>
    FileTrustRegistry.open({ path, crypto, operator: { did } });

  it('an edited scope grants nothing: REGISTRY_NOT_AUTHORISED by DID and by kid, other entries unharmed', async () => {
    const { path, operator, dids, kids } = await signedFile();
    const lines = payloads(path);
    const record = JSON.parse(lines[1] as string);
    record.scopes = ['*'];
    lines[1] = JSON.stringify(record);
    writePayloads(path, lines);
    const registry = await openChecked(path, operator.did);
    assert.equal(codeOf(await registry.resolve(dids[0] as string)), 'REGISTRY_NOT_AUTHORISED');
    assert.equal(codeOf(await registry.resolveKid(kids[0] as Uint8Array)), 'REGISTRY_NOT_AUTHORISED');
    assert.equal(value(await registry.resolve(dids[1] as string)).revoked?.reason, 'stolen');
    await registry.close();
  });

  it('a deleted revocation does not bring the device back when a later change signed it revoked', async () => {
    const { path, operator, dids } = await signedFile();
    const writer = await FileTrustRegistry.open({ path, crypto, operator });
    value(await writer.setScopes(dids[1] as string, ['status', 'more']));
    await writer.close();
    const lines = payloads(path).filter((line) => JSON.parse(line).op !== 'revoke');
    writePayloads(path, lines);
    const registry = await openChecked(path, operator.did);
    assert.equal(codeOf(await registry.resolve(dids[1] as string)), 'REGISTRY_NOT_AUTHORISED');
    await registry.close();
  });

  it('an altered revocation reason, or a replayed older authorisation, is refused', async () => {
    const { path, operator, dids } = await signedFile();
    const lines = payloads(path);
    const at = lines.findIndex((line) => JSON.parse(line).op === 'revoke');
    const revoke = JSON.parse(lines[at] as string);
    writePayloads(
      path,
      lines.map((line, index) => (index === at ? JSON.stringify({ ...revoke, reason: 'x' }) : line)),
    );
    const registry = await openChecked(path, operator.did);
    assert.equal(codeOf(await registry.resolve(dids[1] as string)), 'REGISTRY_NOT_AUTHORISED');
    await registry.close();
    // The registration's signature (sequence 1) pasted onto the revocation: a sequence that does not grow.
    const register = JSON.parse(lines[2] as string);
    writePayloads(
      path,
      lines.map((line, index) => (index === at ? JSON.stringify({ ...revoke, auth: register.auth }) : line)),
    );
    await assert.rejects(openChecked(path, operator.did), /REGISTRY_CORRUPT|not larger than 1/);
  });

  it('a line copied from a registry of another operator is refused', async () => {
    const ours = await signedFile();
    const theirs = await signedFile();
    const foreign = payloads(theirs.path)[1] as string;
    writePayloads(ours.path, [...payloads(ours.path), foreign]);
    const registry = await openChecked(ours.path, ours.operator.did);
    const did = JSON.parse(foreign).did as string;
    assert.equal(codeOf(await registry.resolve(did)), 'REGISTRY_NOT_AUTHORISED');
    value(await registry.resolve(ours.dids[0] as string));
    await registry.close();
  });

  it('an unsigned file of the previous version still opens, and grants nothing once an operator is configured', async () => {
    const path = freshPath();
    const plainRegistry = await FileTrustRegistry.create({ path, crypto });
    const carol = await newIdentity();
    value(await plainRegistry.register({ document: await documentOf(carol), scopes: ['telemetry'] }));
    value(await plainRegistry.revoke(carol.did, { reason: 'r' }));
    await plainRegistry.close();
    const lines = payloads(path);
    lines[0] = '{"format":"xlink-trust-registry","version":2}';
    writePayloads(path, lines);
    const old = await FileTrustRegistry.open({ path, crypto });
    assert.equal(value(await old.resolve(carol.did)).revoked?.reason, 'r');
    await old.close();
    const operator = await newOperator();
    const checked = await openChecked(path, operator.did);
    assert.equal(codeOf(await checked.resolve(carol.did)), 'REGISTRY_NOT_AUTHORISED');
    await checked.close();
  });
});

describe('signed snapshots, checked offline', () => {
  it('verifies with the operator DID alone; an altered, shortened or foreign snapshot is refused', async () => {
    const operator = await newOperator();
    const registry = new MemoryTrustRegistry({ crypto, operator });
    const dids: string[] = [];
    for (const name of ['one', 'two']) {
      const identity = await newIdentity();
      dids.push(
        value(await registry.register({ document: await documentOf(identity), scopes: ['telemetry'], name })).did,
      );
    }
    value(await registry.revoke(dids[1] as string, { reason: 'lost' }));
    const text = await createRegistrySnapshot(await registry.list(), { operator, at: ISSUED_AT });
    const checked = value(await verifyRegistrySnapshot(text, { operatorDid: operator.did, crypto }));
    assert.deepEqual(
      checked.entries.map((entry) => [entry.did, entry.revoked?.reason]),
      [
        [dids[0], undefined],
        [dids[1], 'lost'],
      ],
    );
    const parsed = JSON.parse(text);
    const widened = { ...parsed, entries: [{ ...parsed.entries[0], scopes: ['*'] }, parsed.entries[1]] };
    const unrevoked = { ...parsed, entries: [parsed.entries[0], { ...parsed.entries[1], revoked: undefined }] };
    const shortened = { ...parsed, entries: [parsed.entries[0]] };
    for (const altered of [widened, unrevoked, shortened]) {
      const result = await verifyRegistrySnapshot(JSON.stringify(altered), { operatorDid: operator.did, crypto });
      assert.equal(codeOf(result), 'REGISTRY_NOT_AUTHORISED');
    }
    const stranger = await newOperator();
    assert.equal(
      codeOf(await verifyRegistrySnapshot(text, { operatorDid: stranger.did, crypto })),
      'REGISTRY_NOT_AUTHORISED',
    );
    assert.equal(
      codeOf(await verifyRegistrySnapshot('{"format":1}', { operatorDid: operator.did, crypto })),
      'REGISTRY_CORRUPT',
    );
  });
});
