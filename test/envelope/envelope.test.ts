// Seal and open every envelope version through both encodings and every
// backend; cross-backend interop (sealed by one, opened by another); the
// shape of the wire formats; and the signed bytes being exactly the COSE
// Sig_structure (RFC 9052 §4.4), checked with @noble/curves directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8Encode } from '../../src/codec/bytes.js';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { envelopeFromCompact, envelopeToCompact } from '../../src/envelope/compact-encoding.js';
import { decodeEnvelope } from '../../src/envelope/decode.js';
import { decryptEnvelope } from '../../src/envelope/decrypt.js';
import { type Envelope, envelopeSignedBytes } from '../../src/envelope/envelope.js';
import { envelopeFromJson, envelopeToJson } from '../../src/envelope/json-encoding.js';
import { openEnvelope } from '../../src/envelope/open.js';
import { sealEnvelope } from '../../src/envelope/seal.js';
import { createSignedEnvelope } from '../../src/envelope/sign.js';
import { verifyEnvelopeSignatures } from '../../src/envelope/verify.js';
import { type GeneratedIdentity, generateIdentity } from '../../src/identity/derive.js';
import { backends } from '../helpers/backends.js';

const [nodeCrypto] = backends as [CryptoProvider];

async function identity(crypto: CryptoProvider): Promise<GeneratedIdentity> {
  const made = await generateIdentity({ crypto });
  assert.ok(made.ok);
  return made.value;
}

function senderKeys(id: GeneratedIdentity, postQuantum: boolean) {
  return {
    did: id.did,
    ed25519PublicKey: id.ed25519.publicKey,
    ...(postQuantum ? { mlDsa65PublicKey: id.mlDsa65.publicKey } : {}),
  };
}

async function seal(
  version: 'v1' | 'v2' | 'v3',
  sender: GeneratedIdentity,
  recipient: GeneratedIdentity,
  plaintext: Uint8Array,
  crypto: CryptoProvider,
): Promise<Envelope> {
  const sealed = await sealEnvelope(
    {
      version,
      sender: {
        did: sender.did,
        ed25519SecretKey: sender.ed25519.secretKey,
        mlDsa65SecretKey: sender.mlDsa65.secretKey,
      },
      recipient: {
        did: recipient.did,
        x25519PublicKey: recipient.x25519.publicKey,
        mlKem768PublicKey: recipient.mlKem768.publicKey,
      },
      scope: 'chat',
      timestamp: 1_790_000_000_000,
      supportedVersions: ['signed', 'v1', 'v2', 'v3'],
      plaintext,
    },
    crypto,
  );
  assert.ok(sealed.ok, sealed.ok ? '' : sealed.error.message);
  return sealed.value;
}

for (const crypto of backends) {
  test(`${crypto.name}: v1, v2 and v3 round-trip through JSON and compact, and open with another backend`, async () => {
    const alice = await identity(crypto);
    const bob = await identity(crypto);
    const plaintext = utf8Encode('{"text":"Hello Bob!"}');
    for (const version of ['v1', 'v2', 'v3'] as const) {
      const envelope = await seal(version, alice, bob, plaintext, crypto);
      for (const wire of [
        envelopeToJson(envelope),
        JSON.stringify(envelopeToJson(envelope)),
        envelopeToCompact(envelope),
      ]) {
        const decoded = decodeEnvelope(wire);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        const received = decoded.value.envelope;
        assert.deepEqual(received.protectedBytes, envelope.protectedBytes);
        for (const opener of backends) {
          const verified = await verifyEnvelopeSignatures(received, senderKeys(alice, version === 'v3'), opener);
          assert.ok(verified.ok, `${version} verify with ${opener.name}`);
          const opened = await decryptEnvelope(received, bob, opener);
          assert.ok(opened.ok, `${version} decrypt with ${opener.name}`);
          assert.deepEqual(opened.value, plaintext);
        }
      }
    }
  });
}

test('signed-only envelopes verify knowing only the DID, with and without ML-DSA-65', async () => {
  const sensor = await identity(nodeCrypto);
  const gateway = await identity(nodeCrypto);
  const reading = utf8Encode('{"temp":22.5}');
  const plain = await createSignedEnvelope({
    crypto: nodeCrypto,
    senderDid: sensor.did,
    recipientDid: gateway.did,
    scope: 'telemetry',
    plaintext: reading,
    privateKey: sensor.ed25519.secretKey,
    timestamp: 1_790_000_000_000,
  });
  assert.ok(plain.ok);
  const opened = await openEnvelope(envelopeToCompact(plain.value), { crypto: nodeCrypto });
  assert.ok(opened.ok);
  assert.equal(opened.value.encrypted, false);
  assert.deepEqual(opened.value.payload, reading);

  const dual = await createSignedEnvelope({
    crypto: nodeCrypto,
    senderDid: sensor.did,
    recipientDid: gateway.did,
    scope: 'telemetry',
    plaintext: reading,
    privateKey: sensor.ed25519.secretKey,
    mlDsa65SecretKey: sensor.mlDsa65.secretKey,
    counter: 7,
  });
  assert.ok(dual.ok);
  assert.equal(dual.value.header.timestamp, undefined);
  assert.equal(dual.value.header.counter, 7);
  const both = await openEnvelope(envelopeToJson(dual.value), {
    crypto: nodeCrypto,
    mlDsa65PublicKey: sensor.mlDsa65.publicKey,
  });
  assert.ok(both.ok);
  const stripped = { ...envelopeToJson(dual.value) } as Record<string, unknown>;
  delete stripped.pqsig;
  const refused = await openEnvelope(stripped, { crypto: nodeCrypto, mlDsa65PublicKey: sensor.mlDsa65.publicKey });
  assert.equal(refused.ok ? 'accepted' : refused.error.code, 'DOWNGRADE_DETECTED:STRIPPED');
});

test('createSignedEnvelope refuses a private key that is not the sender DID’s', async () => {
  const sensor = await identity(nodeCrypto);
  const other = await identity(nodeCrypto);
  const created = await createSignedEnvelope({
    crypto: nodeCrypto,
    senderDid: sensor.did,
    recipientDid: other.did,
    scope: 'telemetry',
    plaintext: new Uint8Array(1),
    privateKey: other.ed25519.secretKey,
    timestamp: 1,
  });
  assert.equal(created.ok ? 'accepted' : created.error.code, 'INVALID_ARGUMENT');
});

test('the signature covers the COSE Sig_structure of the protected header and body, checked by @noble/curves', async () => {
  const alice = await identity(nodeCrypto);
  const bob = await identity(nodeCrypto);
  const envelope = await seal('v2', alice, bob, utf8Encode('{}'), nodeCrypto);
  const expected = encodeCbor(['Signature1', envelope.protectedBytes, new Uint8Array(0), envelope.body]);
  assert.deepEqual(envelopeSignedBytes(envelope), expected);
  assert.ok(ed25519.verify(envelope.signature, expected, alice.ed25519.publicKey));
  // The compact form is COSE_Sign1: tag 18 around [protected, {}, payload, signature].
  const compact = decodeCbor(envelopeToCompact(envelope), { maxDepth: 4 }) as { tag: number; value: unknown[] };
  assert.equal(compact.tag, 18);
  assert.deepEqual(compact.value[0], envelope.protectedBytes);
  assert.equal((compact.value[1] as Map<unknown, unknown>).size, 0);
  assert.deepEqual(compact.value[2], envelope.body);
  assert.deepEqual(compact.value[3], envelope.signature);
});

test('JSON and compact forms carry the same logical envelope; JSON key order does not matter', async () => {
  const alice = await identity(nodeCrypto);
  const bob = await identity(nodeCrypto);
  const envelope = await seal('v3', alice, bob, utf8Encode('[1,2,3]'), nodeCrypto);
  const json = envelopeToJson(envelope);
  assert.deepEqual(Object.keys(json), [
    'v',
    'alg',
    'from',
    'to',
    'scope',
    'ts',
    'nonce',
    'sv',
    'epk',
    'iv',
    'kem',
    'ct',
    'sig',
    'pqsig',
  ]);
  const reversed = Object.fromEntries(Object.entries(json).reverse());
  const fromJson = envelopeFromJson(reversed);
  const fromCompact = envelopeFromCompact(envelopeToCompact(envelope), 262144);
  assert.deepEqual(fromJson, fromCompact);
  assert.deepEqual(fromJson.protectedBytes, envelope.protectedBytes);
});

test('encrypting to a recipient without an X25519 key fails; there is no fallback key', async () => {
  const alice = await identity(nodeCrypto);
  const sealed = await sealEnvelope(
    {
      version: 'v1',
      sender: { did: alice.did, ed25519SecretKey: alice.ed25519.secretKey },
      recipient: { did: alice.did },
      scope: 'chat',
      timestamp: 1,
      supportedVersions: ['signed', 'v1'],
      plaintext: new Uint8Array(3),
    },
    nodeCrypto,
  );
  assert.equal(sealed.ok ? 'sealed' : sealed.error.code, 'ENCRYPT_FAILED:NO_X25519_KEY');
});
