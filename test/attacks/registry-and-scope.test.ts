// Who may send, to whom, and under which scope (receive steps 3, 5 and 8 of
// docs/protocol.md): unknown and revoked senders, envelopes for someone
// else, cleartext, scope escalation by prefix, case and look-alike
// characters, and a registry whose documents were substituted, on disk or
// by a malicious implementation.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Agent } from '../../src/agent/agent.js';
import { concatBytes, utf8Encode } from '../../src/codec/bytes.js';
import { type CborMap, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import { envelopeToJson } from '../../src/envelope/json-encoding.js';
import { ok } from '../../src/errors.js';
import {
  createIdentityDocument,
  IDENTITY_DOCUMENT_DOMAIN,
  identityDocumentFromJson,
  identityDocumentToJson,
  type SignedIdentityDocument,
} from '../../src/identity/document.js';
import { logLine } from '../../src/platform/node/append-log.js';
import { MemoryTrustRegistry } from '../../src/registry/memory-trust-registry.js';
import { FileTrustRegistry } from '../../src/registry/node/file-trust-registry.js';
import type { TrustRegistry } from '../../src/registry/trust-registry.js';
import { ed25519Sign } from '../helpers/one-shot.js';
import {
  compactOf,
  createWorld,
  crypto,
  envelopeOf,
  flipBase64Bit,
  headerMapOf,
  identityOf,
  type Name,
  receiveCode,
  sealAs,
  sendJson,
  signedOnlyAs,
  signRaw,
  startAgent,
  T0,
  type World,
  withFields,
} from './fixtures.js';

const directories: string[] = [];

after(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

test('an unregistered sender → VERIFICATION_FAILED:DID_NOT_IN_REGISTRY', async () => {
  const world = await createWorld();
  const fromCarol = await sealAs(world, 'carol');
  assert.equal(await receiveCode(world.bob, envelopeToJson(fromCarol)), 'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY');
});

test('a revoked sender: an envelope signed before the revocation → VERIFICATION_FAILED:REVOKED', async () => {
  const world = await createWorld();
  const before = await sendJson(world);
  assert.ok((await world.registry.revoke(world.alice.did, { reason: 'key stolen' })).ok);
  assert.equal(await receiveCode(world.bob, before), 'VERIFICATION_FAILED:REVOKED');
});

test('a revoked sender: an envelope sent after the revocation → VERIFICATION_FAILED:REVOKED', async () => {
  const world = await createWorld();
  assert.ok((await world.registry.revoke(world.alice.did, { reason: 'key stolen' })).ok);
  assert.equal(await receiveCode(world.bob, await sendJson(world)), 'VERIFICATION_FAILED:REVOKED');
});

test('order: a revoked sender’s envelope with a bad signature fails REVOKED (registry before signature)', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  assert.ok((await world.registry.revoke(world.alice.did, { reason: 'key stolen' })).ok);
  assert.equal(
    await receiveCode(world.bob, withFields(json, { sig: flipBase64Bit(json.sig, 3) })),
    'VERIFICATION_FAILED:REVOKED',
  );
});

test('wrong recipient: alice’s envelope for mallory, delivered to bob → VERIFICATION_FAILED:WRONG_RECIPIENT', async () => {
  const world = await createWorld();
  const forMallory = await sendJson(world, { to: world.mallory.did });
  assert.equal(await receiveCode(world.bob, forMallory), 'VERIFICATION_FAILED:WRONG_RECIPIENT');
  assert.equal(await receiveCode(world.mallory, forMallory), 'ok');
});

async function signedOnly(world: World, to: string): Promise<ReturnType<typeof envelopeToJson>> {
  return envelopeToJson(await signedOnlyAs(world, 'alice', { changes: { to } }));
}

test('a signed-only envelope without allowCleartext → CLEARTEXT_REFUSED; with it → accepted', async () => {
  const world = await createWorld();
  const json = await signedOnly(world, world.bob.did);
  assert.equal(await receiveCode(world.bob, json), 'CLEARTEXT_REFUSED');
  assert.equal(await receiveCode(world.bob, json, { allowCleartext: true }), 'ok');
});

test('order: a signed-only envelope for someone else fails WRONG_RECIPIENT before CLEARTEXT_REFUSED', async () => {
  const world = await createWorld();
  assert.equal(
    await receiveCode(world.bob, await signedOnly(world, world.mallory.did)),
    'VERIFICATION_FAILED:WRONG_RECIPIENT',
  );
});

// Alice is registered for 'telemetry' only.
const scopeWorld = (): Promise<World> => createWorld({ alice: { scopes: ['telemetry'] } });

test('scope: the registered "telemetry" → accepted (control for the escalations below)', async () => {
  const world = await scopeWorld();
  assert.equal(await receiveCode(world.bob, await sendJson(world, { scope: 'telemetry' })), 'ok');
});

for (const scope of ['telemetry-admin', 'Telemetry', 'TELEMETRY', 'telemetry/admin', 'telemetry:write']) {
  test(`scope escalation: "${scope}" (a valid scope, not registered) → SCOPE_DENIED`, async () => {
    const world = await scopeWorld();
    assert.equal(await receiveCode(world.bob, await sendJson(world, { scope })), 'SCOPE_DENIED');
  });
}

const INVALID_SCOPES: readonly [string, string][] = [
  ['telemetry ', 'a trailing space'],
  ['telemetr\u0443', 'a Cyrillic у'],
  ['*', 'the registry wildcard'],
  ['telemetry\u0000', 'a NUL'],
];

for (const [scope, what] of INVALID_SCOPES) {
  test(`scope with ${what}: refused by the sender, and at parse when an attacker writes it in → INVALID_SCOPE`, async () => {
    const world = await scopeWorld();
    const sent = await world.alice.send({ to: world.bob.did, payload: 1, scope });
    assert.equal(sent.ok ? 'sent' : sent.error.code, 'INVALID_SCOPE');
    const json = await sendJson(world, { scope: 'telemetry' });
    assert.equal(await receiveCode(world.bob, withFields(json, { scope })), 'INVALID_SCOPE');
  });
}

test('scope with a trailing space in a header alice herself signed (compact) → INVALID_SCOPE at parse', async () => {
  const world = await scopeWorld();
  const envelope = envelopeOf(await sendJson(world, { scope: 'telemetry' }));
  const map = headerMapOf(envelope);
  map.set('scope', 'telemetry ');
  const protectedBytes = encodeCbor(map);
  const signature = await signRaw('alice', protectedBytes, envelope.body);
  assert.equal(
    await receiveCode(world.bob, compactOf({ protectedBytes, body: envelope.body, signature })),
    'INVALID_SCOPE',
  );
});

test('a registry cannot be given a pattern scope: setScopes(["telemetry*"]) → INVALID_SCOPE', async () => {
  const world = await scopeWorld();
  const set = await world.registry.setScopes(world.alice.did, ['telemetry*']);
  assert.equal(set.ok ? 'set' : set.error.code, 'INVALID_SCOPE');
});

// ---------------------------------------------------------------- key substitution

async function fileWorld(): Promise<{ world: World; path: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'xlink-attacks-'));
  directories.push(directory);
  const path = join(directory, 'trust.log');
  const registry = await FileTrustRegistry.create({ path, crypto });
  return { world: await createWorld({ registry }), path };
}

type Line = Record<string, unknown>;

/**
 * Rewrites the register record of `did` in the registry file, as someone with
 * write access to it could: a CRC-32 is no seal, so the edited line gets a
 * checksum that matches.
 */
async function editRegisterRecord(
  path: string,
  did: string,
  edit: (record: Line, lines: readonly Line[]) => Promise<void> | void,
): Promise<void> {
  const lines = (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line.slice(9)) as Line);
  const record = lines.find((line) => line.op === 'register' && line.did === did);
  assert.ok(record, `no register record for ${did}`);
  await edit(record, lines);
  await writeFile(path, lines.map((line) => logLine(JSON.stringify(line))).join(''));
}

/** The document of a register record with its X25519 key replaced by `name`'s, the signature left as it was. */
async function withX25519Of(record: Line, name: Name): Promise<unknown> {
  const parsed = identityDocumentFromJson(record.document);
  assert.ok(parsed.ok);
  const body = new Map(readCbor(parsed.value.body) as CborMap);
  body.set('x25519', (await identityOf(name)).x25519.publicKey);
  return identityDocumentToJson({ ...parsed.value, body: encodeCbor(body) });
}

/** `name` in a fresh process reading the same file: a new registry, and no re-registration. */
async function restartedOn(
  world: World,
  path: string,
  name: Name,
): Promise<{ agent: Agent; registry: FileTrustRegistry }> {
  const registry = await FileTrustRegistry.open({ path, crypto });
  return { agent: await startAgent({ ...world, registry }, name, { register: false }), registry };
}

test('key substitution on disk: alice’s document given mallory’s X25519 key → the registry refuses alice on first use: REGISTRY_CORRUPT', async () => {
  const { world, path } = await fileWorld();
  const json = await sendJson(world);
  await world.registry.close();
  const control = await restartedOn(world, path, 'bob');
  assert.equal(await receiveCode(control.agent, json), 'ok', 'the unedited file is fine');
  await control.registry.close();
  await editRegisterRecord(path, world.alice.did, async (record) => {
    record.document = await withX25519Of(record, 'mallory');
  });
  const bob = await restartedOn(world, path, 'bob');
  assert.equal(await receiveCode(bob.agent, json), 'REGISTRY_CORRUPT');
  await bob.registry.close();
});

test('key substitution on disk: bob’s document given mallory’s X25519 key → alice will not encrypt to it: REGISTRY_CORRUPT', async () => {
  const { world, path } = await fileWorld();
  await world.registry.close();
  await editRegisterRecord(path, world.bob.did, async (record) => {
    record.document = await withX25519Of(record, 'mallory');
  });
  const alice = await restartedOn(world, path, 'alice');
  const sent = await alice.agent.send({ to: world.bob.did, payload: 1 });
  assert.equal(sent.ok ? 'sent' : sent.error.code, 'REGISTRY_CORRUPT');
  await alice.registry.close();
});

test('on disk: mallory’s whole document filed under alice’s DID → the registry fails closed: REGISTRY_CORRUPT', async () => {
  const { world, path } = await fileWorld();
  await world.registry.close();
  await editRegisterRecord(path, world.alice.did, (record, lines) => {
    record.document = lines.find((line) => line.op === 'register' && line.did === world.mallory.did)?.document;
  });
  // Caught on open, before any agent could use the file: the record breaks a rule, whatever its checksum.
  await assert.rejects(restartedOn(world, path, 'bob'), { code: 'REGISTRY_CORRUPT' });
});

/** A registry that answers for `victim` with `impostor`'s signed document. */
function substitutingRegistry(inner: TrustRegistry, victim: string, impostor: string): TrustRegistry {
  return {
    register: (input) => inner.register(input),
    updateDocument: (document) => inner.updateDocument(document),
    setScopes: (did, scopes) => inner.setScopes(did, scopes),
    revoke: (did, revocation) => inner.revoke(did, revocation),
    list: () => inner.list(),
    close: () => inner.close(),
    resolveKid: (kid) => inner.resolveKid(kid),
    async resolve(did) {
      const entry = await inner.resolve(did);
      if (!entry.ok || did !== victim) return entry;
      const other = await inner.resolve(impostor);
      assert.ok(other.ok);
      // The impostor's document without its verified content: the Agent verifies what it is handed.
      const { identity: _, ...victimEntry } = entry.value;
      return ok({ ...victimEntry, document: other.value.document });
    },
  };
}

test('a malicious registry hands out mallory’s document for alice → IDENTITY_DOCUMENT_INVALID:SIGNATURE', async () => {
  const world = await createWorld();
  const json = await sendJson(world);
  const lying = substitutingRegistry(world.registry, world.alice.did, world.mallory.did);
  const bob = await startAgent({ ...world, registry: lying }, 'bob', { register: false });
  assert.equal(await receiveCode(bob, json), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
});

test('a malicious registry hands out mallory’s document for bob → alice refuses to send: IDENTITY_DOCUMENT_INVALID:SIGNATURE', async () => {
  const world = await createWorld();
  const lying = substitutingRegistry(world.registry, world.bob.did, world.mallory.did);
  const alice = await startAgent({ ...world, registry: lying }, 'alice', { register: false });
  const sent = await alice.send({ to: world.bob.did, payload: 1 });
  assert.equal(sent.ok ? 'sent' : sent.error.code, 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
});

async function aliceDocument(): Promise<SignedIdentityDocument> {
  return createIdentityDocument(await identityOf('alice'), {
    crypto,
    versions: ['signed', 'v1', 'v2'],
    sequence: 1,
    issuedAt: T0,
  });
}

test('register() of a document naming alice but signed by mallory → IDENTITY_DOCUMENT_INVALID:SIGNATURE', async () => {
  const registry = new MemoryTrustRegistry({ crypto });
  const document = await aliceDocument();
  const message = concatBytes(utf8Encode(IDENTITY_DOCUMENT_DOMAIN), Uint8Array.of(0), document.body);
  const signature = await ed25519Sign(crypto, (await identityOf('mallory')).ed25519.secretKey, message);
  const registered = await registry.register({ document: { ...document, signature }, scopes: ['chat'] });
  assert.equal(registered.ok ? 'registered' : registered.error.code, 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
});

test('register() of alice’s signed document with mallory’s X25519 key swapped in → IDENTITY_DOCUMENT_INVALID:SIGNATURE', async () => {
  const registry = new MemoryTrustRegistry({ crypto });
  const document = await aliceDocument();
  const body = new Map(readCbor(document.body) as CborMap);
  body.set('x25519', (await identityOf('mallory')).x25519.publicKey);
  const registered = await registry.register({ document: { ...document, body: encodeCbor(body) }, scopes: ['chat'] });
  assert.equal(registered.ok ? 'registered' : registered.error.code, 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
});

test('rollback: re-submitting alice’s older document after an update → IDENTITY_DOCUMENT_INVALID:SEQUENCE', async () => {
  const registry = new MemoryTrustRegistry({ crypto });
  const first = await aliceDocument();
  assert.ok((await registry.register({ document: first, scopes: ['chat'] })).ok);
  const second = await createIdentityDocument(await identityOf('alice'), {
    crypto,
    versions: ['signed', 'v1', 'v2', 'v3'],
    sequence: 2,
    issuedAt: T0 + 1,
  });
  assert.ok((await registry.updateDocument(second)).ok);
  const rolledBack = await registry.updateDocument(first);
  assert.equal(rolledBack.ok ? 'updated' : rolledBack.error.code, 'IDENTITY_DOCUMENT_INVALID:SEQUENCE');
});
