// One contract every TrustRegistry passes (memory, file, …), in the manner of
// MQTT.js's abstract_store: each implementation calls runTrustRegistryContract
// with a factory, and the same cases run against it.
import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { bytesToHex, concatBytes, utf8Encode } from '../../src/codec/bytes.js';
import { type CborValue, encodeCbor, readCbor } from '../../src/codec/cbor.js';
import { createNodeCrypto } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { ErrorCode, Result } from '../../src/errors.js';
import { generateIdentity, type Identity } from '../../src/identity/derive.js';
import {
  createIdentityDocument,
  type EnvelopeVersion,
  IDENTITY_DOCUMENT_DOMAIN,
  type SignedIdentityDocument,
} from '../../src/identity/document.js';
import { keyIdOf } from '../../src/identity/kid.js';
import type { Clock } from '../../src/platform/clock.js';
import { VirtualClock } from '../../src/platform/virtual-clock.js';
import type { TrustRegistry, TrustRegistryEntry } from '../../src/registry/trust-registry.js';
import { ed25519Sign } from '../helpers/one-shot.js';

export const crypto = createNodeCrypto();
export const ISSUED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z

export async function newIdentity(): Promise<Identity> {
  const created = await generateIdentity({ crypto });
  assert.ok(created.ok);
  return created.value;
}

export function documentOf(
  identity: Identity,
  sequence = 1,
  versions: EnvelopeVersion[] = ['signed', 'v1', 'v2'],
): Promise<SignedIdentityDocument> {
  return createIdentityDocument(identity, { crypto, versions, sequence, issuedAt: ISSUED_AT });
}

export function value<T>(result: Result<T>): T {
  if (!result.ok) assert.fail(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function codeOf(result: Result<unknown>): ErrorCode {
  if (result.ok) assert.fail('expected a refusal, got ok');
  return result.error.code;
}

/** What an entry says, in plain data, for deep comparisons across registries and reopenings. */
export function plain(entry: TrustRegistryEntry): Record<string, unknown> {
  return {
    did: entry.did,
    name: entry.name,
    scopes: [...entry.scopes],
    registeredAt: entry.registeredAt,
    revoked: entry.revoked === undefined ? undefined : { ...entry.revoked },
    body: Array.from(entry.document.body),
    signature: Array.from(entry.document.signature),
    mlDsaSignature: entry.document.mlDsaSignature === undefined ? undefined : Array.from(entry.document.mlDsaSignature),
  };
}

function signingMessage(body: Uint8Array): Uint8Array {
  return concatBytes(utf8Encode(IDENTITY_DOCUMENT_DOMAIN), Uint8Array.of(0), body);
}

function withBodyField(body: Uint8Array, key: string, replacement: CborValue): Uint8Array {
  const map = new Map(readCbor(body) as Map<string, CborValue>);
  assert.ok(map.has(key));
  return encodeCbor(map.set(key, replacement));
}

export interface RegistryContext {
  readonly clock: Clock;
  /** Verifies and hashes for the registry; the factory defaults it to `crypto` above. */
  readonly crypto?: CryptoProvider;
}

export type RegistryFactory = (context: RegistryContext) => TrustRegistry | Promise<TrustRegistry>;

/** The RFC 9679 thumbprint input of an Ed25519 key starts with these bytes: {1: 1, -1: 6, -2: h'…32 bytes'}. */
const THUMBPRINT_PREFIX = Uint8Array.of(0xa3, 0x01, 0x01, 0x20, 0x06, 0x21, 0x58, 0x20);

/**
 * `crypto` whose SHA-256 of every key thumbprint is the same: every key then
 * has one kid, which forces the collision a real fleet meets once in ~10^5
 * registries of ten million, through the public API alone.
 */
export function collidingCrypto(): CryptoProvider {
  return {
    ...crypto,
    async sha256(data) {
      const thumbprint = data.length === 40 && THUMBPRINT_PREFIX.every((byte, index) => data[index] === byte);
      return thumbprint ? new Uint8Array(32).fill(7) : crypto.sha256(data);
    },
  };
}

export function runTrustRegistryContract(name: string, makeRegistry: RegistryFactory): void {
  describe(`${name}: TrustRegistry contract`, () => {
    let alice: Identity;
    let bob: Identity;
    let carol: Identity;
    let aliceDoc: SignedIdentityDocument;
    let bobDoc: SignedIdentityDocument;
    let carolDoc: SignedIdentityDocument;
    let clock: VirtualClock;
    let registry: TrustRegistry;

    before(async () => {
      [alice, bob, carol] = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
      [aliceDoc, bobDoc, carolDoc] = await Promise.all([documentOf(alice), documentOf(bob), documentOf(carol)]);
    });
    beforeEach(async () => {
      clock = new VirtualClock(ISSUED_AT);
      registry = await makeRegistry({ clock });
    });
    afterEach(() => registry.close());

    it('registers a document and resolves the entry', async () => {
      clock.set(ISSUED_AT + 5);
      const added = value(await registry.register({ document: aliceDoc, scopes: ['telemetry'], name: 'sensor-17' }));
      const resolved = value(await registry.resolve(alice.did));
      for (const entry of [added, resolved]) {
        assert.equal(entry.did, alice.did);
        assert.equal(entry.name, 'sensor-17');
        assert.deepEqual(entry.scopes, ['telemetry']);
        assert.equal(entry.registeredAt, ISSUED_AT + 5);
        assert.equal(entry.revoked, undefined);
        assert.deepEqual(entry.document.body, aliceDoc.body);
        assert.deepEqual(entry.document.signature, aliceDoc.signature);
      }
      const unnamed = value(await registry.register({ document: bobDoc, scopes: [] }));
      assert.equal('name' in unnamed, false);
      assert.deepEqual(
        (await registry.list()).map((entry) => entry.did),
        [alice.did, bob.did],
      );
    });

    it('keeps the ML-DSA-65 signature of a v3 document', async () => {
      const v3 = await documentOf(carol, 1, ['signed', 'v1', 'v2', 'v3']);
      assert.ok(v3.mlDsaSignature);
      value(await registry.register({ document: v3, scopes: ['*'] }));
      const entry = value(await registry.resolve(carol.did));
      assert.deepEqual(entry.document.mlDsaSignature, v3.mlDsaSignature);
      assert.deepEqual(entry.scopes, ['*']);
    });

    it('refuses a document the DID did not sign', async () => {
      // Alice's body carrying Bob's signature of his own document.
      const swapped = { body: aliceDoc.body, signature: bobDoc.signature };
      // Alice's body signed, correctly formed, by Bob's key.
      const resigned = {
        body: aliceDoc.body,
        signature: await ed25519Sign(crypto, bob.ed25519.secretKey, signingMessage(aliceDoc.body)),
      };
      for (const document of [swapped, resigned]) {
        assert.equal(
          codeOf(await registry.register({ document, scopes: ['telemetry'] })),
          'IDENTITY_DOCUMENT_INVALID:SIGNATURE',
        );
      }
      assert.equal(codeOf(await registry.resolve(alice.did)), 'DID_NOT_IN_REGISTRY');
      assert.deepEqual(await registry.list(), []);
    });

    it('refuses a document whose X25519 key was swapped after signing', async () => {
      const body = withBodyField(aliceDoc.body, 'x25519', bob.x25519.publicKey);
      const tampered = { body, signature: aliceDoc.signature };
      assert.equal(
        codeOf(await registry.register({ document: tampered, scopes: [] })),
        'IDENTITY_DOCUMENT_INVALID:SIGNATURE',
      );
      assert.equal(codeOf(await registry.resolve(alice.did)), 'DID_NOT_IN_REGISTRY');
    });

    it('refuses malformed input with a Result, never a throw', async () => {
      const bad: unknown[] = [null, 'did', { scopes: [] }, { document: { body: 'x', signature: 'y' }, scopes: [] }];
      const codes = [];
      for (const input of bad) codes.push(codeOf(await registry.register(input as never)));
      assert.deepEqual(codes, [
        'INVALID_ARGUMENT',
        'INVALID_ARGUMENT',
        'IDENTITY_DOCUMENT_INVALID:MALFORMED',
        'IDENTITY_DOCUMENT_INVALID:MALFORMED',
      ]);
      assert.equal(
        codeOf(await registry.register({ document: aliceDoc, scopes: [], name: 7 as never })),
        'INVALID_ARGUMENT',
      );
      assert.equal(codeOf(await registry.updateDocument(null as never)), 'IDENTITY_DOCUMENT_INVALID:MALFORMED');
      assert.equal(codeOf(await registry.resolve(42 as never)), 'INVALID_ARGUMENT');
      assert.equal(codeOf(await registry.resolve('did:key:z'.padEnd(300, '6'))), 'INVALID_ARGUMENT');
      assert.equal(codeOf(await registry.revoke(alice.did, null as never)), 'INVALID_ARGUMENT');
      assert.equal(codeOf(await registry.setScopes(alice.did, 'telemetry' as never)), 'INVALID_ARGUMENT');
      assert.deepEqual(await registry.list(), []);
    });

    it('refuses a second registration of a DID', async () => {
      value(await registry.register({ document: aliceDoc, scopes: ['a'] }));
      const newer = await documentOf(alice, 2);
      for (const document of [aliceDoc, newer]) {
        assert.equal(
          codeOf(await registry.register({ document, scopes: ['b'] })),
          'REGISTRATION_FAILED:ALREADY_REGISTERED',
        );
      }
      const entry = value(await registry.resolve(alice.did));
      assert.deepEqual(entry.scopes, ['a']);
      assert.deepEqual(entry.document.body, aliceDoc.body);
    });

    it('lets exactly one of two concurrent registrations of a DID succeed', async () => {
      const results = await Promise.all([
        registry.register({ document: aliceDoc, scopes: ['first'] }),
        registry.register({ document: aliceDoc, scopes: ['second'] }),
      ]);
      // Verification runs outside the registry's queue, so either may win.
      assert.deepEqual(results.map((result) => (result.ok ? 'ok' : result.error.code)).sort(), [
        'REGISTRATION_FAILED:ALREADY_REGISTERED',
        'ok',
      ]);
      const winner = results.find((result) => result.ok);
      assert.deepEqual(value(await registry.resolve(alice.did)).scopes, winner?.ok ? winner.value.scopes : undefined);
      assert.equal((await registry.list()).length, 1);
    });

    it('replaces a document only with a larger sequence of the same DID', async () => {
      clock.set(ISSUED_AT + 1);
      value(await registry.register({ document: aliceDoc, scopes: ['a'] }));
      value(await registry.register({ document: bobDoc, scopes: ['b'] }));
      const [alice2, alice3, bob2] = await Promise.all([
        documentOf(alice, 2),
        documentOf(alice, 3),
        documentOf(bob, 2),
      ]);

      assert.equal(codeOf(await registry.updateDocument(aliceDoc)), 'IDENTITY_DOCUMENT_INVALID:SEQUENCE');
      clock.set(ISSUED_AT + 2);
      const updated = value(await registry.updateDocument(alice3));
      assert.deepEqual(updated.document.body, alice3.body);
      assert.equal(updated.registeredAt, ISSUED_AT + 1);
      assert.equal(codeOf(await registry.updateDocument(alice2)), 'IDENTITY_DOCUMENT_INVALID:SEQUENCE');

      // Bob's newer document changes Bob's entry only.
      value(await registry.updateDocument(bob2));
      assert.deepEqual(value(await registry.resolve(bob.did)).document.body, bob2.body);
      assert.deepEqual(value(await registry.resolve(alice.did)).document.body, alice3.body);

      // Alice's next body, signed by Bob: refused, whoever's entry it names.
      const forged = {
        body: (await documentOf(alice, 4)).body,
        signature: await ed25519Sign(crypto, bob.ed25519.secretKey, signingMessage((await documentOf(alice, 4)).body)),
      };
      assert.equal(codeOf(await registry.updateDocument(forged)), 'IDENTITY_DOCUMENT_INVALID:SIGNATURE');
      assert.equal(codeOf(await registry.updateDocument(carolDoc)), 'DID_NOT_IN_REGISTRY');
      assert.deepEqual(value(await registry.resolve(alice.did)).document.body, alice3.body);
    });

    it('applies concurrent updates one at a time, so the sequence never goes back', async () => {
      value(await registry.register({ document: aliceDoc, scopes: [] }));
      const [alice2, alice3] = await Promise.all([documentOf(alice, 2), documentOf(alice, 3)]);
      const results = await Promise.all([registry.updateDocument(alice3), registry.updateDocument(alice2)]);
      assert.deepEqual(
        results.map((result) => (result.ok ? 'ok' : result.error.code)),
        ['ok', 'IDENTITY_DOCUMENT_INVALID:SEQUENCE'],
      );
      assert.deepEqual(value(await registry.resolve(alice.did)).document.body, alice3.body);
    });

    it('records revocations, keeps the first, and still resolves revoked entries', async () => {
      value(await registry.register({ document: aliceDoc, scopes: ['a'] }));
      value(await registry.register({ document: bobDoc, scopes: ['b'] }));
      clock.set(ISSUED_AT + 60_000);
      const revoked = value(await registry.revoke(alice.did, { reason: 'stolen' }));
      assert.deepEqual(revoked.revoked, { at: ISSUED_AT + 60_000, reason: 'stolen' });
      const explicit = value(await registry.revoke(bob.did, { reason: 'decommissioned', at: 1234 }));
      assert.deepEqual(explicit.revoked, { at: 1234, reason: 'decommissioned' });

      clock.set(ISSUED_AT + 120_000);
      const again = value(await registry.revoke(alice.did, { reason: 'second thoughts' }));
      assert.deepEqual(again.revoked, { at: ISSUED_AT + 60_000, reason: 'stolen' });
      assert.deepEqual(value(await registry.resolve(alice.did)).revoked, { at: ISSUED_AT + 60_000, reason: 'stolen' });

      assert.equal(
        codeOf(await registry.register({ document: aliceDoc, scopes: [] })),
        'REGISTRATION_FAILED:ALREADY_REGISTERED',
      );
      assert.equal(codeOf(await registry.updateDocument(await documentOf(alice, 2))), 'VERIFICATION_FAILED:REVOKED');
      assert.equal(codeOf(await registry.revoke(carol.did, { reason: 'x' })), 'DID_NOT_IN_REGISTRY');
      assert.equal(codeOf(await registry.revoke(bob.did, { reason: 'x', at: -1 })), 'INVALID_ARGUMENT');
      assert.equal(codeOf(await registry.revoke(carol.did, { reason: 'x'.repeat(1025) })), 'INVALID_ARGUMENT');
      assert.deepEqual(
        (await registry.list()).map((entry) => entry.revoked?.reason),
        ['stolen', 'decommissioned'],
      );
    });

    it('validates scopes and leaves them unchanged when refused', async () => {
      value(await registry.register({ document: aliceDoc, scopes: ['telemetry'] }));
      const refused: unknown[][] = [
        ['telemetry admin'],
        [''],
        ['a'.repeat(65)],
        ['ü'],
        ['telemetry\n'],
        [7],
        ['a', 'a'],
        ['*', '*'],
        ['**'],
        Array.from({ length: 257 }, (_, index) => `s${index}`),
      ];
      for (const scopes of refused) {
        assert.equal(
          codeOf(await registry.setScopes(alice.did, scopes as string[])),
          'INVALID_SCOPE',
          JSON.stringify(scopes),
        );
        assert.equal(
          codeOf(await registry.register({ document: bobDoc, scopes: scopes as string[] })),
          'INVALID_SCOPE',
        );
      }
      assert.deepEqual(value(await registry.resolve(alice.did)).scopes, ['telemetry']);
      assert.equal(codeOf(await registry.resolve(bob.did)), 'DID_NOT_IN_REGISTRY');

      const widest = ['a'.repeat(64), 'A-Z.a_z:0/9', '*', ...Array.from({ length: 253 }, (_, index) => `s${index}`)];
      assert.deepEqual(value(await registry.setScopes(alice.did, widest)).scopes, widest);
      assert.deepEqual(value(await registry.setScopes(alice.did, [])).scopes, []);
      assert.equal(codeOf(await registry.setScopes(bob.did, ['x'])), 'DID_NOT_IN_REGISTRY');
    });

    it('reports an unknown DID as DID_NOT_IN_REGISTRY', async () => {
      assert.equal(codeOf(await registry.resolve(alice.did)), 'DID_NOT_IN_REGISTRY');
      assert.equal(codeOf(await registry.resolve('did:key:not-even-a-key')), 'DID_NOT_IN_REGISTRY');
    });

    it('hands out entries that cannot change the registry', async () => {
      const document = { body: new Uint8Array(aliceDoc.body), signature: new Uint8Array(aliceDoc.signature) };
      const scopes = ['telemetry'];
      const added = value(await registry.register({ document, scopes, name: 'n' }));
      // The caller's own arguments, changed afterwards.
      document.body[10] = (document.body[10] as number) ^ 1;
      scopes.push('admin');

      assert.ok(Object.isFrozen(added));
      assert.ok(Object.isFrozen(added.scopes));
      assert.throws(() => (added.scopes as string[]).push('admin'), TypeError);
      assert.throws(() => {
        (added as { name: string }).name = 'changed';
      }, TypeError);
      // Every array a caller can reach, changed in place.
      const resolved = value(await registry.resolve(alice.did));
      const kid = resolved.kid.slice();
      for (const entry of [added, resolved, ...(await registry.list())]) {
        entry.document.body[10] = (entry.document.body[10] as number) ^ 1;
        entry.document.signature[0] = (entry.document.signature[0] as number) ^ 1;
        entry.kid[0] = (entry.kid[0] as number) ^ 1;
        const key = entry.identity?.ed25519PublicKey;
        if (key !== undefined) key[0] = (key[0] as number) ^ 1;
      }

      // The registry's own copies are untouched: what it verifies, indexes and rebuilds entries from.
      value(await registry.updateDocument(await documentOf(alice, 2)));
      value(await registry.revoke(alice.did, { reason: 'r' }));
      const after = value(await registry.resolveKid(kid));
      assert.equal(after.did, alice.did);
      assert.deepEqual(after.kid, kid);
      assert.deepEqual(after.identity?.ed25519PublicKey, alice.ed25519.publicKey);
      assert.deepEqual(after.document.body, (await documentOf(alice, 2)).body);
      assert.throws(() => {
        (after.revoked as { reason: string }).reason = 'changed';
      }, TypeError);
      assert.deepEqual(after.scopes, ['telemetry']);
      assert.equal(after.name, 'n');
      value(await registry.setScopes(alice.did, ['x']));
      assert.deepEqual(value(await registry.resolve(alice.did)).document.body, (await documentOf(alice, 2)).body);
    });

    it('returns one entry object per state, its document verified, until the entry changes', async () => {
      value(await registry.register({ document: aliceDoc, scopes: ['a'] }));
      const first = value(await registry.resolve(alice.did));
      assert.equal(value(await registry.resolve(alice.did)), first, 'the same object, not a copy');
      assert.equal(value(await registry.resolveKid(first.kid)), first, 'by kid too');
      assert.equal(first.identity?.did, alice.did);
      assert.deepEqual(first.identity?.x25519PublicKey, alice.x25519.publicKey);
      assert.equal(first.identity?.sequence, 1);
      value(await registry.setScopes(alice.did, ['b']));
      const second = value(await registry.resolve(alice.did));
      assert.notEqual(second, first, 'a change makes a new entry');
      assert.deepEqual(first.scopes, ['a'], 'the old entry is left as it was');
      assert.equal(value(await registry.resolve(alice.did)), second);
    });

    it('indexes every entry by the key id of its DID, and resolves it by that kid', async () => {
      value(await registry.register({ document: aliceDoc, scopes: ['a'] }));
      value(await registry.register({ document: bobDoc, scopes: ['b'] }));
      for (const identity of [alice, bob]) {
        const kid = await keyIdOf(identity.ed25519.publicKey, { crypto });
        const byDid = value(await registry.resolve(identity.did));
        assert.deepEqual(byDid.kid, kid);
        assert.equal(value(await registry.resolveKid(kid)).did, identity.did);
      }
      value(await registry.revoke(bob.did, { reason: 'r' }));
      const revoked = value(await registry.resolveKid(await keyIdOf(bob.ed25519.publicKey, { crypto })));
      assert.equal(revoked.revoked?.reason, 'r', 'a revoked entry resolves by kid as by DID');
      const unknown = await keyIdOf(carol.ed25519.publicKey, { crypto });
      const missing = await registry.resolveKid(unknown);
      assert.equal(codeOf(missing), 'DID_NOT_IN_REGISTRY');
      assert.ok(!missing.ok && missing.error.message.includes(bytesToHex(unknown)), 'the message names the kid');
      assert.equal(codeOf(await registry.resolveKid(new Uint8Array(7))), 'INVALID_LENGTH');
      assert.equal(codeOf(await registry.resolveKid('00' as never)), 'INVALID_ARGUMENT');
    });

    it('quotes what a caller passed, truncated, in its messages', async () => {
      const long = `did:key:z${'x'.repeat(200)}`;
      const missing = await registry.resolve(long);
      assert.equal(codeOf(missing), 'DID_NOT_IN_REGISTRY');
      assert.ok(
        !missing.ok && missing.error.message.includes('(209 characters)'),
        !missing.ok ? missing.error.message : '',
      );
      assert.ok(!missing.ok && !missing.error.message.includes('x'.repeat(100)));
    });

    it('lists entries in registration order, whatever changed since', async () => {
      value(await registry.register({ document: carolDoc, scopes: [] }));
      value(await registry.register({ document: aliceDoc, scopes: [] }));
      value(await registry.register({ document: bobDoc, scopes: [] }));
      value(await registry.updateDocument(await documentOf(carol, 2)));
      value(await registry.revoke(alice.did, { reason: 'r' }));
      value(await registry.setScopes(bob.did, ['x']));
      assert.deepEqual(
        (await registry.list()).map((entry) => entry.did),
        [carol.did, alice.did, bob.did],
      );
    });

    it('refuses a key whose kid another entry has: REGISTRATION_FAILED:KID_COLLISION', async () => {
      const colliding = await makeRegistry({ clock, crypto: collidingCrypto() });
      try {
        value(await colliding.register({ document: aliceDoc, scopes: ['a'] }));
        const refused = await colliding.register({ document: bobDoc, scopes: ['b'] });
        assert.equal(codeOf(refused), 'REGISTRATION_FAILED:KID_COLLISION');
        assert.ok(!refused.ok && refused.error.message.includes(alice.did), 'the message names the holder');
        assert.equal(codeOf(await colliding.resolve(bob.did)), 'DID_NOT_IN_REGISTRY');
        const kid = value(await colliding.resolve(alice.did)).kid;
        assert.equal(value(await colliding.resolveKid(kid)).did, alice.did, 'the first key keeps its kid');
        assert.deepEqual(
          (await colliding.list()).map((entry) => entry.did),
          [alice.did],
        );
      } finally {
        await colliding.close();
      }
    });
  });
}
